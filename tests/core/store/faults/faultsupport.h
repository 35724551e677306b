#pragma once

// Small helpers shared by the store's fault tests (header-only: each test is its own executable).

#include "base/securebuffer.h"

#include <QByteArray>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMap>
#include <QString>

namespace fieldnotes::faults {

/** SHA-256 of a whole file; an empty array when it cannot be read. */
inline QByteArray fileSha256(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&file);
    return hash.result();
}

/** Every file directly in @p dir (hidden ones included) with its SHA-256: a snapshot to compare before/after. */
inline QMap<QString, QByteArray> snapshotFiles(const QString &dir)
{
    QMap<QString, QByteArray> files;
    const QFileInfoList entries = QDir(dir).entryInfoList(QDir::Files | QDir::Hidden | QDir::System, QDir::Name);
    for (const QFileInfo &info : entries)
        files.insert(info.fileName(), fileSha256(info.absoluteFilePath()));
    return files;
}

/** Writes the raw store key as hex to a 0600 file, the way store-writer reads it. */
inline bool writeKeyFile(const QString &path, const SecureBuffer &key)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return false;
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    QByteArray hex = QByteArray(reinterpret_cast<const char *>(key.data()), qsizetype(key.size())).toHex();
    const bool ok = file.write(hex) == hex.size();
    scrubByteArray(hex);
    return ok;
}

/** Creates @p path (and parents) with mode 0700, as the store expects its directory to be private. */
inline bool makePrivateDir(const QString &path)
{
    if (!QDir().mkpath(path))
        return false;
    return QFile::setPermissions(path, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
}

} // namespace fieldnotes::faults
