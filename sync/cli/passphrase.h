#pragma once

#include "base/result.h"
#include "base/securebuffer.h"

#include <QString>

namespace fieldnotes::cli {

/** Where a passphrase can come from on the command line, in the order CLI.md gives. */
class Passphrase final
{
public:
    /// From the environment variable `envName` (which is then removed from this process's environment).
    static std::optional<SecureBuffer> fromEnvironment(const char *envName);
    /// The file's contents without one trailing newline.
    static Result<SecureBuffer> fromFile(const QString &path);
    /// Asks on the terminal without echo; Unavailable when standard input is not a terminal.
    static Result<SecureBuffer> prompt(const QString &question);
    static bool canPrompt();
};

} // namespace fieldnotes::cli
