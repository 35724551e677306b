#pragma once

#include "base/result.h"

#include <QString>

namespace fieldnotes {

/** Where Fieldnotes keeps its files on this device, and the helpers that keep them private to the user. */
namespace Paths {

/**
 * The per-user data folder (QStandardPaths::AppDataLocation), or GenericDataLocation/fieldnotes when there is no
 * application name (no QCoreApplication). With one, Qt falls back to the executable's name, so the app and the CLI
 * must set the same organizationName/applicationName in main() or they will not find each other's stores.
 */
[[nodiscard]] QString dataRoot();

/**
 * The server URL as used for a store's identity: trimmed, scheme and host lowercased, default port, user info,
 * query, fragment and trailing slash removed, so "HTTPS://Example.org:443/" and "https://example.org" agree.
 */
[[nodiscard]] QString normalizedServerUrl(const QString &serverUrl);

/** First 16 hex digits of SHA-256("<normalized server URL>\n<lowercased, trimmed e-mail>"). */
[[nodiscard]] QString storeId(const QString &serverUrl, const QString &userEmail);

/** dataRoot()/stores/<storeId>: one store per signed-in user and server. Does not create it. */
[[nodiscard]] QString storeDirectory(const QString &serverUrl, const QString &userEmail);

/** dataRoot()/stores/local: the store used before anyone signs in. Does not create it. */
[[nodiscard]] QString localStoreDirectory();

/**
 * Creates @p path (with parents) if needed and makes the leaf mode 0700. Fails if it exists but is not a
 * directory, or if it cannot be made private (e.g. owned by another user).
 */
[[nodiscard]] Result<void> ensurePrivateDirectory(const QString &path);

/** Makes @p file mode 0600 (read/write for the owner only). NotFound if it does not exist. */
[[nodiscard]] Result<void> restrictFileToOwner(const QString &file);

} // namespace Paths
} // namespace fieldnotes
