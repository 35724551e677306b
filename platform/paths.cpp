#include "platform/paths.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>
#include <QUrl>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>
#endif

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::Paths {

namespace {

#ifdef Q_OS_UNIX
QString lastSystemError()
{
    return QString::fromLocal8Bit(std::strerror(errno));
}

Result<void> chmodOwnerOnly(const QString &path, mode_t mode, const QString &what)
{
    const QByteArray native = QFile::encodeName(path);
    if (::chmod(native.constData(), mode) != 0) {
        const int error = errno;
        return makeError(error == ENOENT ? ErrorCode::NotFound : ErrorCode::Io,
            u"Could not make the %1 %2 private to you: %3"_s.arg(
                what, QDir::toNativeSeparators(path), QString::fromLocal8Bit(std::strerror(error))));
    }
    // chmod() can succeed while the mode is still wider (some network and FUSE file systems ignore it); a
    // store that other users could read is worse than a refusal, so check what actually landed.
    struct stat info
    {
    };
    if (::stat(native.constData(), &info) != 0)
        return makeError(ErrorCode::Io, u"Could not check the %1 %2: %3"_s.arg(what, path, lastSystemError()));
    if ((info.st_mode & 07777) != mode) {
        return makeError(ErrorCode::Io,
            u"The %1 %2 cannot be made private to you (this file system ignores permissions)."_s.arg(
                what, QDir::toNativeSeparators(path)));
    }
    return {};
}
#endif

} // namespace

QString dataRoot()
{
    if (QCoreApplication::applicationName().isEmpty())
        return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + u"/fieldnotes"_s;
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
}

QString normalizedServerUrl(const QString &serverUrl)
{
    QUrl url(serverUrl.trimmed());
    if (!url.isValid() || url.scheme().isEmpty())
        return serverUrl.trimmed(); // still deterministic; whoever signs in validates the URL properly
    url.setScheme(url.scheme().toLower());
    url.setHost(url.host().toLower());
    const bool defaultPort
        = (url.scheme() == u"https"_s && url.port() == 443) || (url.scheme() == u"http"_s && url.port() == 80);
    if (defaultPort)
        url.setPort(-1);
    url = url.adjusted(QUrl::RemoveUserInfo | QUrl::RemoveQuery | QUrl::RemoveFragment | QUrl::NormalizePathSegments
        | QUrl::StripTrailingSlash);
    if (url.path() == u"/"_s) // StripTrailingSlash keeps a lone root slash
        url.setPath(QString());
    return url.toString(QUrl::FullyEncoded);
}

QString storeId(const QString &serverUrl, const QString &userEmail)
{
    const QString identity = normalizedServerUrl(serverUrl) + u'\n' + userEmail.trimmed().toLower();
    const QByteArray digest = QCryptographicHash::hash(identity.toUtf8(), QCryptographicHash::Sha256);
    return QString::fromLatin1(digest.toHex().left(16));
}

QString storeDirectory(const QString &serverUrl, const QString &userEmail)
{
    return dataRoot() + u"/stores/"_s + storeId(serverUrl, userEmail);
}

QString localStoreDirectory()
{
    return dataRoot() + u"/stores/local"_s;
}

Result<void> ensurePrivateDirectory(const QString &path)
{
    if (path.isEmpty())
        return makeError(ErrorCode::InvalidInput, u"No directory was given."_s);
    const QFileInfo info(path);
    if (info.exists() && !info.isDir()) {
        return makeError(ErrorCode::Io, u"%1 exists but is not a directory."_s.arg(QDir::toNativeSeparators(path)));
    }
    if (!info.exists() && !QDir().mkpath(path)) {
        return makeError(ErrorCode::Io, u"Could not create the directory %1."_s.arg(QDir::toNativeSeparators(path)));
    }
#ifdef Q_OS_UNIX
    return chmodOwnerOnly(path, 0700, u"directory"_s);
#else
    if (!QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner)) {
        return makeError(
            ErrorCode::Io, u"Could not make the directory %1 private to you."_s.arg(QDir::toNativeSeparators(path)));
    }
    return {};
#endif
}

Result<void> restrictFileToOwner(const QString &file)
{
    const QFileInfo info(file);
    if (!info.exists())
        return makeError(ErrorCode::NotFound, u"%1 does not exist."_s.arg(QDir::toNativeSeparators(file)));
    if (info.isDir())
        return makeError(ErrorCode::InvalidInput, u"%1 is a directory."_s.arg(QDir::toNativeSeparators(file)));
#ifdef Q_OS_UNIX
    return chmodOwnerOnly(file, 0600, u"file"_s);
#else
    if (!QFile::setPermissions(file, QFileDevice::ReadOwner | QFileDevice::WriteOwner))
        return makeError(
            ErrorCode::Io, u"Could not make the file %1 private to you."_s.arg(QDir::toNativeSeparators(file)));
    return {};
#endif
}

} // namespace fieldnotes::Paths
