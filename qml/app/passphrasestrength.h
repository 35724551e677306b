#pragma once

#include <QString>

namespace fieldnotes::app {

/**
 * A rough strength estimate of a new passphrase for the hint under the field: a score from 0 (refused) to 4 and
 * a sentence saying how to do better. Not a guarantee; Argon2id and the unlock throttle do the real work.
 */
struct PassphraseStrength
{
    int score = 0; ///< 0: too short (refused), 1 weak, 2 fair, 3 good, 4 strong
    double bits = 0; ///< estimated entropy
    QString hint;

    static constexpr int kMinLength = 8; ///< the CLI's minimum, in characters

    [[nodiscard]] static PassphraseStrength evaluate(const QString &passphrase);
};

} // namespace fieldnotes::app
