#include "crypto/keyvault.h"

#include "platform/paths.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <optional>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes {

namespace {

constexpr int VaultFormat = 1;
constexpr auto KdfAlgorithmName = "argon2id13";
constexpr qint64 MaxVaultFileBytes = 64 * 1024; // a real vault is ~300 bytes; refuse to parse anything huge
constexpr std::size_t SaltBytes = crypto_pwhash_argon2id_SALTBYTES;
constexpr std::size_t NonceBytes = crypto_secretbox_NONCEBYTES;
constexpr std::size_t SealedKeyBytes = KeyVault::DataKeyBytes + crypto_secretbox_MACBYTES;
constexpr std::size_t KeyCheckBytes = crypto_generichash_BYTES;
constexpr char KeyCheckContext[] = "fieldnotes-key-check-v1";

static_assert(crypto_secretbox_KEYBYTES == KeyVault::DataKeyBytes, "the KEK and the data key are both 256-bit");
static_assert(KeyVault::DataKeyBytes >= crypto_generichash_KEYBYTES_MIN
        && KeyVault::DataKeyBytes <= crypto_generichash_KEYBYTES_MAX,
    "the data key keys BLAKE2b directly");

/** The non-secret contents of vault.json. */
struct VaultFile
{
    KdfParams kdf;
    QByteArray salt;
    QByteArray nonce;
    QByteArray sealedKey;
    QByteArray keyCheck;
};

Error corrupt(const QString &path, const QString &what)
{
    return makeError(ErrorCode::Corrupt,
        u"The key vault %1 is damaged (%2). Restore it from a backup, or sign in again to fetch your "
        "data from the server."_s.arg(QDir::toNativeSeparators(path), what));
}

QByteArray randomBytes(std::size_t size)
{
    QByteArray bytes(static_cast<qsizetype>(size), Qt::Uninitialized);
    randombytes_buf(bytes.data(), size);
    return bytes;
}

const unsigned char *bytesOf(const QByteArray &bytes)
{
    return reinterpret_cast<const unsigned char *>(bytes.constData());
}

QByteArray keyCheckFor(const SecureBuffer &dataKey)
{
    QByteArray check(static_cast<qsizetype>(KeyCheckBytes), Qt::Uninitialized);
    crypto_generichash(reinterpret_cast<unsigned char *>(check.data()), KeyCheckBytes,
        reinterpret_cast<const unsigned char *>(KeyCheckContext), sizeof KeyCheckContext - 1, dataKey.data(),
        dataKey.size());
    return check;
}

/** A JSON number that is a whole number in [min, max], or nothing. */
std::optional<quint64> wholeNumber(const QJsonValue &value, quint64 min, quint64 max)
{
    if (!value.isDouble())
        return std::nullopt;
    const double number = value.toDouble();
    // Doubles hold integers exactly up to 2^53, far above any limit used here.
    if (!std::isfinite(number) || number != std::floor(number) || number < 0 || number > 9007199254740992.0)
        return std::nullopt;
    const auto whole = static_cast<quint64>(number);
    if (whole < min || whole > max)
        return std::nullopt;
    return whole;
}

/** Strict base64 of exactly @p size bytes, or nothing. */
std::optional<QByteArray> fixedBase64(const QJsonValue &value, std::size_t size)
{
    if (!value.isString())
        return std::nullopt;
    const auto result
        = QByteArray::fromBase64Encoding(value.toString().toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!result || static_cast<std::size_t>(result.decoded.size()) != size)
        return std::nullopt;
    return result.decoded;
}

Result<VaultFile> parseVault(const QString &path, const QByteArray &json)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return corrupt(path, u"not valid JSON: %1"_s.arg(parseError.errorString()));
    if (!document.isObject())
        return corrupt(path, u"not a JSON object"_s);
    const QJsonObject root = document.object();

    // The format is checked before anything else: a newer format may legitimately have different fields.
    const QJsonValue format = root.value("format"_L1);
    if (!format.isDouble())
        return corrupt(path, u"no format number"_s);
    if (format.toDouble() != VaultFormat) {
        return makeError(ErrorCode::Incompatible,
            u"The key vault %1 has format %2, which this version of Fieldnotes cannot read (it reads "
            "format %3). Update Fieldnotes."_s.arg(QDir::toNativeSeparators(path))
                .arg(format.toDouble())
                .arg(VaultFormat));
    }

    const QJsonValue kdfValue = root.value("kdf"_L1);
    if (!kdfValue.isObject())
        return corrupt(path, u"no kdf section"_s);
    const QJsonObject kdf = kdfValue.toObject();
    const QJsonValue algorithm = kdf.value("alg"_L1);
    if (!algorithm.isString())
        return corrupt(path, u"no kdf algorithm"_s);
    if (algorithm.toString() != QLatin1StringView(KdfAlgorithmName)) {
        return makeError(ErrorCode::Incompatible,
            u"The key vault %1 uses the key derivation \"%2\", which this version of Fieldnotes does "
            "not know. Update Fieldnotes."_s.arg(QDir::toNativeSeparators(path), algorithm.toString()));
    }

    VaultFile vault;
    const auto ops = wholeNumber(
        kdf.value("opslimit"_L1), crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_OPSLIMIT_MAX);
    const auto mem = wholeNumber(
        kdf.value("memlimit"_L1), crypto_pwhash_argon2id_MEMLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MAX);
    if (!ops || !mem)
        return corrupt(path, u"missing or out-of-range kdf limits"_s);
    vault.kdf = KdfParams {*ops, static_cast<std::size_t>(*mem)};

    const auto salt = fixedBase64(kdf.value("salt"_L1), SaltBytes);
    const auto nonce = fixedBase64(root.value("nonce"_L1), NonceBytes);
    const auto sealedKey = fixedBase64(root.value("sealed_key"_L1), SealedKeyBytes);
    const auto keyCheck = fixedBase64(root.value("key_check"_L1), KeyCheckBytes);
    if (!salt)
        return corrupt(path, u"missing or malformed salt"_s);
    if (!nonce)
        return corrupt(path, u"missing or malformed nonce"_s);
    if (!sealedKey)
        return corrupt(path, u"missing or malformed sealed key"_s);
    if (!keyCheck)
        return corrupt(path, u"missing or malformed key check"_s);
    vault.salt = *salt;
    vault.nonce = *nonce;
    vault.sealedKey = *sealedKey;
    vault.keyCheck = *keyCheck;
    return vault;
}

Result<VaultFile> readVault(const QString &path)
{
    QFile file(path);
    if (!file.exists())
        return makeError(ErrorCode::NotFound, u"There is no key vault at %1."_s.arg(QDir::toNativeSeparators(path)));
    if (!file.open(QIODevice::ReadOnly)) {
        return makeError(ErrorCode::Io,
            u"Could not read the key vault %1: %2"_s.arg(QDir::toNativeSeparators(path), file.errorString()));
    }
    if (file.size() > MaxVaultFileBytes)
        return corrupt(path, u"far too large"_s);
    return parseVault(path, file.read(MaxVaultFileBytes + 1));
}

QByteArray serializeVault(const VaultFile &vault)
{
    const QJsonObject kdf {
        {"alg"_L1, QLatin1StringView(KdfAlgorithmName)},
        {"opslimit"_L1, static_cast<double>(vault.kdf.opsLimit)},
        {"memlimit"_L1, static_cast<double>(vault.kdf.memLimit)},
        {"salt"_L1, QString::fromLatin1(vault.salt.toBase64())},
    };
    const QJsonObject root {
        {"format"_L1, VaultFormat},
        {"kdf"_L1, kdf},
        {"nonce"_L1, QString::fromLatin1(vault.nonce.toBase64())},
        {"sealed_key"_L1, QString::fromLatin1(vault.sealedKey.toBase64())},
        {"key_check"_L1, QString::fromLatin1(vault.keyCheck.toBase64())},
    };
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

/** Replaces @p path with @p contents atomically (write to a temporary file, fsync, rename), mode 0600. */
Result<void> writeAtomically(const QString &path, const QByteArray &contents)
{
    QSaveFile file(path);
    const auto failed = [&](const QString &step) {
        return makeError(file.error() == QFileDevice::ResourceError ? ErrorCode::DiskFull : ErrorCode::Io,
            u"Could not %1 %2: %3"_s.arg(step, QDir::toNativeSeparators(path), file.errorString()));
    };
    if (!file.open(QIODevice::WriteOnly))
        return failed(u"create"_s);
    // Applies to the temporary file, so the final file never exists with a wider mode.
    if (!file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner)) {
        file.cancelWriting();
        return failed(u"restrict the permissions of"_s);
    }
    if (file.write(contents) != contents.size()) {
        file.cancelWriting();
        return failed(u"write"_s);
    }
    if (!file.commit())
        return failed(u"save"_s);
    return Paths::restrictFileToOwner(path);
}

} // namespace

// ---- KdfParams ----

KdfParams KdfParams::standard()
{
    // Measured with libsodium 1.0.18 (Debian 12) on the 2-core AMD EPYC reference VM: one derivation with
    // opslimit 3 and memlimit 256 MiB takes 0.73-0.88 s (opslimit 2: 0.56-0.80 s; 128 MiB: 0.36-0.43 s;
    // opslimit 4: 0.97-1.12 s). These are libsodium's OPSLIMIT_MODERATE / MEMLIMIT_MODERATE.
    // Existing vaults keep the parameters they were sealed with; only new seals use these.
    return KdfParams {3, std::size_t {256} * 1024 * 1024};
}

KdfParams KdfParams::fastForTests()
{
    return KdfParams {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

KdfParams KdfParams::fromEnvironment()
{
    if (qEnvironmentVariable("FIELDNOTES_INSECURE_FAST_KDF") == u"1"_s) {
        // Once per process (a thread-safe static): loud enough to notice if it ever leaks outside the tests.
        [[maybe_unused]] static const bool warned = [] {
            qWarning("FIELDNOTES_INSECURE_FAST_KDF=1: passphrases are protected by the minimum Argon2id cost. "
                     "Only the test suite may set this.");
            return true;
        }();
        return fastForTests();
    }
    return standard();
}

bool KdfParams::isValid() const
{
    return opsLimit >= crypto_pwhash_argon2id_OPSLIMIT_MIN && opsLimit <= crypto_pwhash_argon2id_OPSLIMIT_MAX
        && memLimit >= crypto_pwhash_argon2id_MEMLIMIT_MIN && memLimit <= crypto_pwhash_argon2id_MEMLIMIT_MAX;
}

// ---- KeyVault ----

QString KeyVault::vaultFileName()
{
    return u"vault.json"_s;
}

QString KeyVault::attemptsFileName()
{
    return u"vault.attempts"_s;
}

QString KeyVault::vaultPath(const QString &dir)
{
    return QDir(dir).filePath(vaultFileName());
}

bool KeyVault::exists(const QString &dir)
{
    return QFileInfo::exists(vaultPath(dir));
}

Result<SecureBuffer> KeyVault::create(const QString &dir, const SecureBuffer &passphrase, const KdfParams &params)
{
    ensureSodiumInitialized();
    if (passphrase.isEmpty())
        return makeError(ErrorCode::InvalidInput, u"The passphrase must not be empty."_s);
    if (!params.isValid())
        return makeError(ErrorCode::InvalidInput, u"The key derivation parameters are out of range."_s);
    if (exists(dir)) {
        return makeError(ErrorCode::AlreadyExists,
            u"%1 already has a key vault; unlock it instead of creating a new one."_s.arg(
                QDir::toNativeSeparators(dir)));
    }
    if (auto made = Paths::ensurePrivateDirectory(dir); !made)
        return made.error();

    KeyVault vault;
    vault.m_dir = dir;
    SecureBuffer dataKey = SecureBuffer::random(DataKeyBytes);
    VaultFile file;
    file.kdf = params;
    file.salt = randomBytes(SaltBytes);
    file.nonce = randomBytes(NonceBytes);
    file.keyCheck = keyCheckFor(dataKey);
    auto kek = vault.deriveKek(passphrase, file.salt, params);
    if (!kek)
        return kek.error();
    file.sealedKey = QByteArray(static_cast<qsizetype>(SealedKeyBytes), Qt::Uninitialized);
    crypto_secretbox_easy(reinterpret_cast<unsigned char *>(file.sealedKey.data()), dataKey.data(), dataKey.size(),
        bytesOf(file.nonce), kek->data());

    // Re-checked right before writing to narrow the window in which two creators race; QSaveFile's rename would
    // otherwise let the second silently replace the first vault (and orphan its database).
    if (exists(dir)) {
        return makeError(ErrorCode::AlreadyExists,
            u"%1 already has a key vault; unlock it instead of creating a new one."_s.arg(
                QDir::toNativeSeparators(dir)));
    }
    if (auto written = writeAtomically(vaultPath(dir), serializeVault(file)); !written)
        return written.error();
    return dataKey;
}

Result<KeyVault> KeyVault::load(const QString &dir, Clock clock)
{
    ensureSodiumInitialized();
    auto file = readVault(vaultPath(dir));
    if (!file)
        return file.error();
    KeyVault vault;
    vault.m_dir = dir;
    vault.setClock(std::move(clock));
    vault.m_kdf = file->kdf;
    vault.m_salt = file->salt;
    vault.m_nonce = file->nonce;
    vault.m_sealedKey = file->sealedKey;
    vault.m_keyCheck = file->keyCheck;
    return vault;
}

void KeyVault::setClock(Clock clock)
{
    m_clock = clock ? std::move(clock) : Clock(&QDateTime::currentMSecsSinceEpoch);
}

qint64 KeyVault::now() const
{
    return m_clock ? m_clock() : QDateTime::currentMSecsSinceEpoch();
}

Result<SecureBuffer> KeyVault::deriveKek(
    const SecureBuffer &passphrase, const QByteArray &salt, const KdfParams &params)
{
    ++m_kdfRuns;
    SecureBuffer kek(crypto_secretbox_KEYBYTES);
    if (crypto_pwhash(kek.data(), kek.size(), reinterpret_cast<const char *>(passphrase.data()), passphrase.size(),
            bytesOf(salt), params.opsLimit, params.memLimit, crypto_pwhash_ALG_ARGON2ID13)
        != 0) {
        // The only runtime failure once the parameters are in range: Argon2id could not get its memory.
        return makeError(ErrorCode::Internal,
            u"Not enough memory to check the passphrase (it needs %1 MiB)."_s.arg(params.memLimit >> 20));
    }
    return kek;
}

Result<SecureBuffer> KeyVault::unlock(const SecureBuffer &passphrase)
{
    if (passphrase.isEmpty())
        return makeError(ErrorCode::InvalidInput, u"Enter the passphrase."_s);

    // Re-read on every attempt: another process (the CLI, a second window) may have changed the passphrase
    // since load(); a stale copy would turn the new, correct passphrase into a counted failure.
    auto file = readVault(vaultPath(m_dir));
    if (!file)
        return file.error();
    m_kdf = file->kdf;
    m_salt = file->salt;
    m_nonce = file->nonce;
    m_sealedKey = file->sealedKey;
    m_keyCheck = file->keyCheck;

    // Before the derivation: the point of throttling is to make guessing slow, so the refusal must be cheap.
    if (const auto wait = retryDelay(readAttempts()); wait.count() > 0) {
        const auto seconds = (wait.count() + 999) / 1000;
        return makeError(ErrorCode::Throttled,
            seconds == 1 ? u"Too many wrong passphrases. Try again in 1 second."_s
                         : u"Too many wrong passphrases. Try again in %1 seconds."_s.arg(seconds));
    }

    auto kek = deriveKek(passphrase, m_salt, m_kdf);
    if (!kek)
        return kek.error();
    SecureBuffer dataKey(DataKeyBytes);
    if (crypto_secretbox_open_easy(dataKey.data(), bytesOf(m_sealedKey),
            static_cast<unsigned long long>(m_sealedKey.size()), bytesOf(m_nonce), kek->data())
        != 0) {
        recordFailure();
        return makeError(ErrorCode::WrongPassphrase, u"The passphrase is wrong."_s);
    }
    kek->clear();
    if (!verifyDataKey(dataKey))
        return corrupt(vaultPath(m_dir), u"the sealed key does not match its key check"_s);
    clearFailures();
    return dataKey;
}

Result<void> KeyVault::changePassphrase(
    const SecureBuffer &oldPassphrase, const SecureBuffer &newPassphrase, const KdfParams &params)
{
    if (newPassphrase.isEmpty())
        return makeError(ErrorCode::InvalidInput, u"The new passphrase must not be empty."_s);
    if (!params.isValid())
        return makeError(ErrorCode::InvalidInput, u"The key derivation parameters are out of range."_s);
    auto dataKey = unlock(oldPassphrase);
    if (!dataKey)
        return dataKey.error();

    VaultFile file;
    file.kdf = params;
    file.salt = randomBytes(SaltBytes);
    file.nonce = randomBytes(NonceBytes);
    file.keyCheck = m_keyCheck;
    auto kek = deriveKek(newPassphrase, file.salt, params);
    if (!kek)
        return kek.error();
    file.sealedKey = QByteArray(static_cast<qsizetype>(SealedKeyBytes), Qt::Uninitialized);
    crypto_secretbox_easy(reinterpret_cast<unsigned char *>(file.sealedKey.data()), dataKey->data(), dataKey->size(),
        bytesOf(file.nonce), kek->data());
    if (auto written = writeAtomically(vaultPath(m_dir), serializeVault(file)); !written)
        return written.error();
    m_kdf = file.kdf;
    m_salt = file.salt;
    m_nonce = file.nonce;
    m_sealedKey = file.sealedKey;
    return {};
}

bool KeyVault::verifyDataKey(const SecureBuffer &key) const
{
    if (key.size() != DataKeyBytes || static_cast<std::size_t>(m_keyCheck.size()) != KeyCheckBytes)
        return false;
    const QByteArray check = keyCheckFor(key);
    return sodium_memcmp(check.constData(), m_keyCheck.constData(), KeyCheckBytes) == 0;
}

// ---- throttling ----

KeyVault::Attempts KeyVault::readAttempts() const
{
    const QString path = QDir(m_dir).filePath(attemptsFileName());
    QFile file(path);
    if (!file.exists())
        return {};
    const QFileInfo info(path);
    // A damaged counter must not become a free reset, so it counts as the threshold reached at the time it
    // was last written. (Anyone able to delete it could also bypass the throttle; this is about accidents.)
    const Attempts damaged {FailuresBeforeThrottling, info.lastModified().toMSecsSinceEpoch()};
    if (!file.open(QIODevice::ReadOnly) || file.size() > MaxVaultFileBytes)
        return damaged;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll());
    const QJsonObject root = document.object();
    const auto failures = wholeNumber(root.value("failures"_L1), 0, 1'000'000);
    const auto lastFailure = wholeNumber(root.value("last_failure_ms"_L1), 0, 9007199254740992ULL);
    if (!document.isObject() || !failures || !lastFailure)
        return damaged;
    return Attempts {static_cast<int>(*failures), static_cast<qint64>(*lastFailure)};
}

void KeyVault::recordFailure()
{
    Attempts attempts = readAttempts();
    attempts.failures = std::min(attempts.failures + 1, 1'000'000);
    attempts.lastFailureMs = now();
    const QJsonObject root {
        {"failures"_L1, attempts.failures},
        {"last_failure_ms"_L1, static_cast<double>(attempts.lastFailureMs)},
    };
    const auto written
        = writeAtomically(QDir(m_dir).filePath(attemptsFileName()), QJsonDocument(root).toJson(QJsonDocument::Compact));
    if (!written) // not fatal for this attempt, but the throttle cannot hold without it
        qWarning("Could not record a failed unlock: %s", qUtf8Printable(written.error().message));
}

void KeyVault::clearFailures()
{
    const QString path = QDir(m_dir).filePath(attemptsFileName());
    if (QFileInfo::exists(path) && !QFile::remove(path))
        qWarning("Could not reset the failed-unlock counter %s", qUtf8Printable(QDir::toNativeSeparators(path)));
}

int KeyVault::consecutiveFailures() const
{
    return readAttempts().failures;
}

std::chrono::milliseconds KeyVault::retryDelay() const
{
    return retryDelay(readAttempts());
}

std::chrono::milliseconds KeyVault::retryDelay(const Attempts &attempts) const
{
    using namespace std::chrono;
    if (attempts.failures < FailuresBeforeThrottling)
        return milliseconds {0};
    const int exponent = attempts.failures - FailuresBeforeThrottling;
    // 2^9 s already exceeds the cap; stop before the shift could overflow.
    const milliseconds delay
        = exponent >= 9 ? MaxRetryDelay : std::min<milliseconds>(seconds {1LL << exponent}, MaxRetryDelay);
    // A clock set back must not stretch the wait beyond one full delay.
    const milliseconds elapsed {std::max<qint64>(0, now() - attempts.lastFailureMs)};
    return elapsed >= delay ? milliseconds {0} : delay - elapsed;
}

} // namespace fieldnotes
