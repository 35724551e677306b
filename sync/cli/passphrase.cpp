#include "sync/cli/passphrase.h"

#include <QFile>

#include <cstdio>
#include <termios.h>
#include <unistd.h>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::cli {

std::optional<SecureBuffer> Passphrase::fromEnvironment(const char *envName)
{
    if (!qEnvironmentVariableIsSet(envName))
        return std::nullopt;
    SecureBuffer secret = SecureBuffer::fromByteArray(qgetenv(envName));
    qunsetenv(envName); // not inherited by anything this process starts
    return secret;
}

Result<SecureBuffer> Passphrase::fromFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(ErrorCode::NotFound, u"Cannot read the passphrase file %1."_s.arg(path));
    QByteArray bytes = file.read(4096);
    while (bytes.endsWith('\n') || bytes.endsWith('\r'))
        bytes.chop(1);
    return SecureBuffer::fromByteArray(std::move(bytes));
}

bool Passphrase::canPrompt()
{
    return ::isatty(STDIN_FILENO) == 1;
}

Result<SecureBuffer> Passphrase::prompt(const QString &question)
{
    if (!canPrompt())
        return makeError(ErrorCode::Unavailable, u"No terminal to ask for the passphrase on."_s);
    std::fputs(question.toLocal8Bit().constData(), stderr);
    std::fflush(stderr);
    termios old{};
    const bool haveTerm = ::tcgetattr(STDIN_FILENO, &old) == 0;
    if (haveTerm) {
        termios quiet = old;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    SecureBuffer line(1024);
    size_t length = 0;
    int c = 0;
    while ((c = std::fgetc(stdin)) != EOF && c != '\n' && length < line.size())
        line.data()[length++] = static_cast<unsigned char>(c);
    if (haveTerm)
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    std::fputs("\n", stderr);
    if (length > 0 && line.data()[length - 1] == '\r')
        --length;
    return SecureBuffer::fromBytes(reinterpret_cast<const char *>(line.data()), length);
}

} // namespace fieldnotes::cli
