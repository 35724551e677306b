#pragma once

#include <QString>

namespace fieldnotes::app {

/// Where the app's file dialogs start and its exports are suggested: the user's documents folder, or the home folder
/// where there is none (a bare system: no XDG documents folder, or one that does not exist).
[[nodiscard]] QString documentsFolder();

} // namespace fieldnotes::app
