#include "sync/client/syncengine.h"

#include "base/securebuffer.h"
#include "platform/keystore.h"
#include "store/store.h"

#include <QJsonArray>
#include <QPointer>
#include <QThreadPool>

#include <algorithm>
#include <cmath>
#include <limits>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::sync {

namespace {

// Keys of Store::syncValue.
const QString kServerUrl = u"server_url"_s;
const QString kEmail = u"email"_s;
const QString kUserId = u"user_id"_s;
const QString kRole = u"role"_s;
const QString kTeamId = u"team_id"_s;
const QString kDeviceId = u"device_id"_s;
const QString kSignedIn = u"signed_in"_s;
const QString kCursor = u"cursor"_s;
const QString kLastSync = u"last_sync"_s;
const QString kGuardBase = u"guard_base"_s;
const QString kPins = u"pins"_s;

// A clock within this of the server's is left alone: Date has one-second resolution.
constexpr qint64 kClockToleranceMs = 5000;

RemoteChange toRemote(protocol::Change &&change)
{
    RemoteChange remote;
    remote.entity = change.entity;
    remote.id = std::move(change.recordId);
    remote.deleted = change.deleted;
    remote.fields = std::move(change.fields);
    // Fields of one change are mostly stamped by one mutation: their texts are shared rather than built again.
    const Hlc *previous = nullptr;
    QString previousText;
    for (auto it = change.fieldHlcs.cbegin(); it != change.fieldHlcs.cend(); ++it) {
        if (!previous || !(it.value() == *previous)) {
            previous = &it.value();
            previousText = it.value().toString();
        }
        remote.fieldHlcs.insert(it.key(), previousText);
    }
    remote.hlc = previous && change.hlc == *previous ? previousText : change.hlc.toString();
    for (const protocol::Conflict &c : std::as_const(change.conflicts))
        remote.conflicts.append({c.field, c.value, c.hlc.toString(), c.deviceId});
    return remote;
}

PushAck toAck(const protocol::MutationResult &result)
{
    PushAck ack;
    ack.mutationId = result.id;
    switch (result.status) {
    case protocol::MutationStatus::Applied:
        ack.status = PushAck::Status::Applied;
        break;
    case protocol::MutationStatus::Duplicate:
        ack.status = PushAck::Status::Duplicate;
        break;
    case protocol::MutationStatus::Superseded:
        ack.status = PushAck::Status::Superseded;
        ack.lostFields = result.lostFields;
        break;
    case protocol::MutationStatus::Rejected:
        ack.status = PushAck::Status::Rejected;
        ack.reason = result.message.isEmpty() ? result.error : result.error + u": "_s + result.message;
        break;
    }
    return ack;
}

} // namespace

SyncEngine::SyncEngine(Store &store, KeyStore &keyStore, QString tokenEntry, SyncOptions options, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_keyStore(keyStore)
    , m_tokenEntry(std::move(tokenEntry))
    , m_options(std::move(options))
    , m_api(m_options.api)
    , m_random(QRandomGenerator::securelySeeded())
    , m_pushBatch(std::clamp(m_options.pushBatch, 1, protocol::kMaxMutationsPerPush))
{
    m_debounce.setSingleShot(true);
    m_debounce.setInterval(m_options.debounceMs);
    // The engine's own triggers wait for the network; syncNow() (a person asking) always tries.
    connect(&m_debounce, &QTimer::timeout, this, &SyncEngine::syncIfOnline);
    m_periodic.setInterval(m_options.periodMs);
    connect(&m_periodic, &QTimer::timeout, this, &SyncEngine::syncIfOnline);
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &SyncEngine::syncIfOnline);
    connect(&m_api, &ApiClient::serverClock, this, &SyncEngine::onServerClock);
    m_searchIndexer.setSingleShot(true);
    m_searchIndexer.setInterval(0);
    connect(&m_searchIndexer, &QTimer::timeout, this, &SyncEngine::indexSearchStep);
}

SyncEngine::~SyncEngine()
{
    ++m_run.id; // the calls abortAll() answers now see a stale run and return
    m_api.abortAll();
}

void SyncEngine::loadAccount()
{
    const auto value = [this](const QString &key) {
        auto v = m_store.syncValue(key);
        return v ? *v : QString();
    };
    m_serverUrl = value(kServerUrl);
    m_email = value(kEmail);
    m_role = value(kRole);
    setPinnedKeys(value(kPins).split(u',', Qt::SkipEmptyParts));
    m_signedIn = value(kSignedIn) == u"1"_s && !m_serverUrl.isEmpty();
    const QString last = value(kLastSync);
    m_lastSync = last.isEmpty() ? QDateTime() : QDateTime::fromString(last, Qt::ISODateWithMs);
    if (m_signedIn) {
        if (auto url = ApiClient::checkServerUrl(m_serverUrl))
            m_api.setServer(*url);
    }
    Q_EMIT accountChanged();
    Q_EMIT lastSyncChanged();
    refreshCounts();
}

void SyncEngine::setPinnedKeys(const QStringList &pins)
{
    m_pins = pins;
    QSet<QByteArray> hashes;
    for (const QString &pin : pins)
        hashes.insert(pin.trimmed().toLatin1());
    m_api.setPinnedSpkiHashes(hashes);
}

Result<void> SyncEngine::savePinnedKeys(const QStringList &pins)
{
    for (const QString &pin : pins) {
        if (QByteArray::fromBase64(pin.trimmed().toLatin1(), QByteArray::AbortOnBase64DecodingErrors).size() != 32)
            return makeError(ErrorCode::InvalidInput,
                             tr("A certificate pin is the base64 SHA-256 hash of the server's public key (44 characters)."));
    }
    QStringList trimmed;
    for (const QString &pin : pins)
        trimmed << pin.trimmed();
    if (auto r = m_store.setSyncValues({{kPins, trimmed.join(u',')}}); !r)
        return r.error();
    setPinnedKeys(trimmed);
    return {};
}

void SyncEngine::refreshCounts()
{
    const int pending = m_store.pendingCount().value_or(m_pendingCount);
    const int conflicts = m_store.conflictCount().value_or(m_conflictCount);
    if (pending != m_pendingCount || conflicts != m_conflictCount) {
        m_pendingCount = pending;
        m_conflictCount = conflicts;
        Q_EMIT countsChanged();
    }
}

void SyncEngine::start()
{
    startSearchIndexing(); // what a sync before the last quit left
    loadAccount();
    if (!m_signedIn) {
        setStatus(Status::LocalOnly);
        return;
    }
    setStatus(m_lastSync.isValid() ? Status::UpToDate : Status::Offline,
              m_lastSync.isValid() ? QString() : tr("Not synced yet."));
    if (m_options.automatic) {
        m_periodic.start();
        syncIfOnline();
    }
}

void SyncEngine::setStatus(Status status, const QString &message)
{
    if (status == m_status && message == m_message)
        return;
    m_status = status;
    m_message = message;
    Q_EMIT statusChanged();
}

void SyncEngine::setProgress(double progress)
{
    if (qFuzzyCompare(progress + 2, m_progress + 2))
        return;
    m_progress = progress;
    Q_EMIT progressChanged();
}

void SyncEngine::setOnline(bool online)
{
    if (online == m_online)
        return;
    m_online = online;
    if (!m_signedIn)
        return;
    if (!online) {
        m_retry.stop();
        if (!m_running)
            setStatus(Status::Offline, tr("No network."));
    } else if (m_options.automatic) {
        m_attempts = 0;
        syncNow();
    }
}

void SyncEngine::localChanged()
{
    refreshCounts();
    if (m_signedIn && m_options.automatic)
        m_debounce.start();
}

void SyncEngine::confirmMassDelete()
{
    m_massDeleteConfirmed = true;
    syncNow();
}

void SyncEngine::onServerClock(qint64 serverMs)
{
    // The Date header is truncated to the second: on average the server's clock is half a second later.
    const qint64 offsetMs = serverMs + 500 - m_store.deviceWallTime();
    if (std::abs(offsetMs - m_store.clockOffset()) <= kClockToleranceMs)
        return;
    // Small differences are noise of the Date header's resolution; a large one is a wrong device clock.
    const qint64 corrected = std::abs(offsetMs) <= kClockToleranceMs ? 0 : offsetMs;
    if (corrected == m_store.clockOffset())
        return;
    if (auto r = m_store.setClockOffset(corrected); !r)
        qWarning("fieldnotes: could not save the clock correction: %s", qPrintable(r.error().message));
}

void SyncEngine::withToken(std::function<void()> next)
{
    if (m_api.hasToken()) {
        next();
        return;
    }
    const quint64 runId = m_run.id;
    // The keystore answers later, maybe after this engine is gone (the store was locked meanwhile).
    m_keyStore.readSecret(m_tokenEntry, [self = QPointer<SyncEngine>(this), runId, next = std::move(next)](
                                            Result<SecureBuffer> token) {
        if (!self || runId != self->m_run.id)
            return;
        SyncEngine *const engine = self.data();
        if (!token) {
            const bool missing = token.error().code == ErrorCode::NotFound;
            engine->m_running = false;
            engine->setStatus(Status::Error,
                              missing ? tr("This device's sign-in is gone from the OS keystore; sign in again.")
                                      : tr("The OS keystore is not available (%1).").arg(token.error().message));
            Q_EMIT engine->finished(false);
            return;
        }
        QByteArray bytes = token->copyToByteArrayForKeystore();
        engine->m_api.setToken(bytes);
        scrubByteArray(bytes);
        next();
    });
}

void SyncEngine::syncIfOnline()
{
    if (m_online)
        syncNow();
}

void SyncEngine::syncNow()
{
    if (!m_signedIn || m_status == Status::Revoked)
        return;
    if (m_running) {
        m_again = true;
        return;
    }
    m_debounce.stop();
    m_retry.stop();
    m_running = true;
    m_again = false;
    m_run = Run();
    m_run.id = ++m_runCounter;
    m_prepared.reset();
    m_flight = 0;
    m_run.pushTotal = m_store.pendingCount().value_or(0);
    setStatus(Status::Syncing);
    setProgress(m_run.pushTotal > 0 ? 0.0 : -1.0);
    withToken([this] { pushNext(); });
}

void SyncEngine::pushNext()
{
    // Edits made while this device's clock was far ahead, before a server told the difference (the first sign-in,
    // or the answer before this batch), would be refused: they get stamps of the team's time first. Nothing is in
    // flight here, so an answer always refers to the stamps that were sent (decision 0017).
    if (auto restamped = m_store.restampAhead(protocol::kMaxClockAheadMs); !restamped)
        return failLocal(restamped.error());
    // The batch read while the previous one was in flight goes only if the outbox is as it was then: a local edit
    // may have rewritten or removed its entries (autosave, decision 0013), re-stamping may have renamed them, another
    // connection may have written. Else it is read again, so nothing stale is ever sent (decision 0018).
    std::optional<PushBatch> batch = std::exchange(m_prepared, std::nullopt);
    if (batch) {
        auto version = m_store.outboxVersion();
        if (!version)
            return failLocal(version.error());
        if (*version == batch->version) {
            ++m_run.preparedSent;
        } else {
            ++m_run.preparedDropped;
            batch.reset();
        }
    }
    if (!batch) {
        auto read = readPushBatch(m_store, m_pushBatch);
        if (!read)
            return failLocal(read.error());
        batch = std::move(*read);
    }
    if (batch->isEmpty()) {
        auto cursor = m_store.syncValue(kCursor);
        if (!cursor)
            return failLocal(cursor.error());
        auto live = m_store.liveRecordCount();
        if (!live)
            return failLocal(live.error());
        m_run.liveNow = *live;
        m_run.guardBase = m_store.syncValue(kGuardBase).value_or(QString()).toInt();
        setProgress(-1);
        pullNext(*cursor);
        return;
    }
    // The cursor this device holds goes with the push: if the team changed by nothing but this push since, the
    // answer carries the cursor after it, and the device does not pull its own changes back (decision 0025).
    auto cursor = m_store.syncValue(kCursor);
    if (!cursor)
        return failLocal(cursor.error());
    send(std::move(*batch), *cursor);
}

void SyncEngine::send(PushBatch batch, const QString &cursor)
{
    const quint64 runId = m_run.id;
    const quint64 flight = ++m_flightCounter;
    const qint64 lastSeq = batch.lastSeq;
    const qsizetype sent = batch.ids.size();
    m_flight = flight;
    ++m_run.pushBatches;
    m_api.push(
        protocol::PushBodyWriter::withCursor(std::move(batch.body), cursor), batch.ids,
        [this, runId, sent, cursor](std::variant<protocol::PushResponse, CallError> answer) {
            if (runId != m_run.id)
                return;
            onPushAnswer(std::move(answer), sent, cursor);
        },
        [this, runId, flight, lastSeq] {
            if (runId == m_run.id)
                prepareNext(flight, lastSeq);
        });
}

void SyncEngine::prepareNext(quint64 flight, qint64 afterSeq)
{
    // The request is on its way and the server works on it: meanwhile this device reads and writes the next batch,
    // the entries after the ones in flight. Only while that request is still in flight, and only one batch ahead.
    if (flight != m_flight || m_prepared)
        return;
    auto batch = readPushBatch(m_store, m_pushBatch, afterSeq);
    if (!batch || batch->isEmpty())
        return; // pushNext reads (and reports a failure) again
    m_prepared = std::move(*batch);
    Q_EMIT pushBatchPrepared();
}

void SyncEngine::onPushAnswer(
    std::variant<protocol::PushResponse, CallError> answer, qsizetype sent, const QString &sentCursor)
{
    m_flight = 0;
    if (auto *error = std::get_if<CallError>(&answer)) {
        m_prepared.reset();
        if (error->kind == CallError::Kind::Http && error->status == 413 && m_pushBatch > 1) {
            m_pushBatch = std::max(1, m_pushBatch / 2); // the server's body limit is smaller than ours
            return pushNext();
        }
        return fail(*error);
    }
    const auto &response = std::get<protocol::PushResponse>(answer);
    QList<PushAck> acks;
    acks.reserve(response.results.size());
    bool onlyRemovals = true;
    for (const protocol::MutationResult &result : response.results) {
        acks << toAck(result);
        onlyRemovals = onlyRemovals && (acks.constLast().status == PushAck::Status::Applied
                                        || acks.constLast().status == PushAck::Status::Duplicate);
    }

    // An answer that only removes entries (no lost value to keep, no rejected edit to revert) cannot touch the
    // prepared batch: the acknowledgement deletes the entries in flight, which the batch starts after. Then the batch
    // goes first and is acknowledged while the server works on it (decision 0018), if the outbox is as it was when
    // the batch was read and no entry needs a new stamp. It carries the cursor this answer gives, which the
    // acknowledgement saves.
    if (onlyRemovals && m_prepared && !m_store.hasStampsAhead(protocol::kMaxClockAheadMs)) {
        auto version = m_store.outboxVersion();
        if (!version)
            return failLocal(version.error());
        if (*version == m_prepared->version) {
            QString nextCursor = response.cursor;
            if (nextCursor.isEmpty()) {
                auto saved = m_store.syncValue(kCursor);
                if (!saved)
                    return failLocal(saved.error());
                nextCursor = *saved;
            }
            PushBatch batch = std::move(*std::exchange(m_prepared, std::nullopt));
            ++m_run.preparedSent;
            ++m_run.sentBeforeAck;
            send(std::move(batch), nextCursor);
            auto report = m_store.acknowledge(acks, CursorAdvance {sentCursor, response.cursor});
            if (!report)
                return failLocal(report.error());
            return acknowledged(*report);
        }
    }
    // The prepared batch stays valid through this acknowledgement only if nothing else wrote the outbox since it
    // was read (checked before), and the acknowledgement removed exactly the entries in flight, which the batch
    // does not hold (it starts after them; ApiClient checked that the answer names them).
    std::optional<OutboxVersion> before;
    if (m_prepared) {
        auto version = m_store.outboxVersion();
        if (!version)
            return failLocal(version.error());
        if (*version == m_prepared->version)
            before = *version;
    }
    auto report = m_store.acknowledge(acks, CursorAdvance {sentCursor, response.cursor});
    if (!report)
        return failLocal(report.error());
    if (m_prepared) {
        auto after = m_store.outboxVersion();
        if (!after)
            return failLocal(after.error());
        if (before && report->removed == sent && after->others == before->others) {
            m_prepared->version = *after; // what changed is this acknowledgement alone
        } else {
            ++m_run.preparedDropped;
            m_prepared.reset();
        }
    }
    acknowledged(*report);
    pushNext();
}

void SyncEngine::acknowledged(const AckReport &report)
{
    m_run.pushed += report.removed;
    if (report.cursorAdvanced)
        ++m_run.pushesCaughtUp;
    refreshCounts();
    if (m_run.pushTotal > 0)
        setProgress(std::min(1.0, double(m_run.pushed) / m_run.pushTotal));
    if (report.rejected > 0 || report.conflictsAdded > 0)
        Q_EMIT recordsChanged();
}

void SyncEngine::pullNext(const QString &cursor)
{
    const quint64 runId = m_run.id;
    m_api.pull(cursor, m_options.pullLimit, [this, runId](std::variant<protocol::PullPage, CallError> answer) {
        if (runId != m_run.id)
            return;
        if (auto *error = std::get_if<CallError>(&answer))
            return fail(*error);
        onPage(std::move(std::get<protocol::PullPage>(answer)));
    });
}

void SyncEngine::onPage(protocol::PullPage page)
{
    // Ask for the next page before applying this one: the server prepares it while this device writes.
    if (page.hasMore)
        pullNext(page.cursor);

    QList<RemoteChange> changes;
    changes.reserve(page.changes.size());
    for (protocol::Change &change : page.changes)
        changes << toRemote(std::move(change));

    // No pull may take away more than half of what the device showed when it was last up to date (or shows now,
    // whichever is more) without a person saying so.
    int maxDeletions = -1;
    if (!m_allowMassDelete && !m_massDeleteConfirmed) {
        const int base = std::max(m_run.guardBase, m_run.liveNow);
        maxDeletions = std::max(0, base / 2 - m_run.guardDeleted);
    }
    // A large page (a first sync, a long time offline) is written without its search text, indexed after the sync:
    // the records show sooner, and searches find them a little later (decision 0027).
    const bool later = m_options.deferSearchFrom > 0 && changes.size() >= m_options.deferSearchFrom;
    auto applied = m_store.applyPull(changes, page.cursor, maxDeletions,
                                     later ? Store::SearchIndexing::Later : Store::SearchIndexing::Now);
    if (!applied) {
        ++m_run.id; // drop the page already asked for
        m_api.abortAll();
        return failLocal(applied.error());
    }
    if (applied->refused) {
        ++m_run.id;
        m_api.abortAll();
        m_running = false;
        setProgress(-1);
        setStatus(Status::NeedsConfirmation,
                  tr("The server asks this device to delete more than half of its records (%1 of %2 in this step). "
                     "Sync stopped; nothing was deleted. Confirm to go on.")
                      .arg(applied->deletedLive)
                      .arg(std::max(m_run.guardBase, m_run.liveNow)));
        Q_EMIT finished(false);
        startSearchIndexing(); // what the pages before this one left
        return;
    }
    m_run.pulled += applied->applied;
    m_run.guardDeleted += applied->deletedLive;
    m_run.liveNow += applied->revealed - applied->deletedLive;
    const bool last = !page.hasMore;
    QString cursor = std::move(page.cursor);
    // A page is tens of thousands of small allocations (every field's text and hlc, twice); freeing them took ~10 %
    // of this thread's time in a pull. A pool thread frees them while this one applies the next page.
    QThreadPool::globalInstance()->start([changes = std::move(changes), page = std::move(page)]() mutable {
        changes = {};
        page = {};
    });
    if (applied->applied > 0)
        Q_EMIT recordsChanged();
    if (last) {
        m_report.cursor = std::move(cursor);
        finish(true);
    }
}

void SyncEngine::startSearchIndexing()
{
    if (m_searchIndexer.isActive())
        return;
    auto count = m_store.searchBacklogCount();
    if (!count || *count == 0)
        return;
    if (*count != m_searchBacklog) {
        m_searchBacklog = *count;
        Q_EMIT searchBacklogChanged();
    }
    m_searchIndexer.start();
}

void SyncEngine::indexSearchStep()
{
    // A sync in progress has the store's writes to itself; the step after it goes on (finish()).
    if (m_running)
        return;
    auto indexed = m_store.indexSearchBacklog(std::max(1, m_options.searchChunk));
    if (!indexed) {
        // Left for the next start or sync; searches miss those records meanwhile, as they did.
        qWarning("fieldnotes: the search index could not be brought up to date: %s", qPrintable(indexed.error().message));
        return;
    }
    // Every change is announced at once: a view bound to the count (the conversations page's line) is never stale.
    const int before = m_searchBacklog;
    m_searchBacklog = *indexed == 0 ? 0 : std::max(0, m_searchBacklog - *indexed);
    if (m_searchBacklog != before)
        Q_EMIT searchBacklogChanged();
    if (*indexed == 0) {
        Q_EMIT recordsChanged(); // done: searches run again and find what was indexed
        return;
    }
    m_searchIndexer.start(); // until a step finds nothing left: the count may be stale
}

qint64 SyncEngine::backoffDelay(const CallError &error)
{
    if (error.retryAfterMs >= 0)
        return error.retryAfterMs + m_random.bounded(250);
    const double exponential = m_options.initialBackoffMs * std::pow(2.0, std::min(m_attempts - 1, 20));
    const double capped = std::min<double>(exponential, m_options.maxBackoffMs);
    // Full jitter around the step: devices that failed together do not come back together.
    return qint64(capped * (0.5 + m_random.generateDouble()));
}

void SyncEngine::scheduleRetry(qint64 delayMs)
{
    m_retry.start(int(std::clamp<qint64>(delayMs, 0, std::numeric_limits<int>::max())));
}

void SyncEngine::fail(const CallError &error)
{
    ++m_run.id;
    m_prepared.reset();
    m_flight = 0;
    m_api.abortAll();
    m_running = false;
    setProgress(-1);
    if (error.isDeviceRevoked()) {
        m_api.clearToken();
        setStatus(Status::Revoked, tr("An administrator revoked this device. Its data is being removed."));
        Q_EMIT finished(false);
        Q_EMIT deviceRevoked();
        return;
    }
    startSearchIndexing(); // what the pages applied before the failure left, while the device waits
    if (error.isUnauthenticated()) {
        m_api.clearToken();
        setStatus(Status::Error, tr("The server no longer accepts this device's sign-in; sign in again."));
        Q_EMIT finished(false);
        return;
    }
    if (error.isRetryable()) {
        ++m_attempts;
        if (m_options.maxAttempts < 0 || m_attempts < m_options.maxAttempts) {
            const qint64 delay = backoffDelay(error);
            const bool network = error.kind == CallError::Kind::Network || error.kind == CallError::Kind::Timeout;
            setStatus(network ? Status::Offline : Status::Error,
                      tr("%1 Trying again in %2 s.").arg(error.message).arg((delay + 999) / 1000));
            scheduleRetry(delay);
            Q_EMIT finished(false);
            return;
        }
    }
    const bool network = error.kind == CallError::Kind::Network || error.kind == CallError::Kind::Timeout;
    setStatus(network ? Status::Offline : Status::Error, error.message);
    Q_EMIT finished(false);
}

void SyncEngine::failLocal(const Error &error)
{
    ++m_run.id;
    m_prepared.reset();
    m_flight = 0;
    m_api.abortAll();
    m_running = false;
    setProgress(-1);
    setStatus(Status::Error, tr("This device's store could not be updated: %1").arg(error.message));
    Q_EMIT finished(false);
}

void SyncEngine::finish(bool ok)
{
    m_running = false;
    m_attempts = 0;
    m_massDeleteConfirmed = false;
    setProgress(-1);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    auto live = m_store.liveRecordCount();
    if (auto r = m_store.setSyncValues({{kLastSync, now.toString(Qt::ISODateWithMs)},
                                        {kGuardBase, QString::number(live ? *live : m_run.liveNow)}});
        !r)
        return failLocal(r.error());
    m_lastSync = now;
    Q_EMIT lastSyncChanged();
    refreshCounts();
    m_report.pushed = m_run.pushed;
    m_report.pulled = m_run.pulled;
    m_report.pushBatches = m_run.pushBatches;
    m_report.preparedSent = m_run.preparedSent;
    m_report.pushesCaughtUp = m_run.pushesCaughtUp;
    m_report.sentBeforeAck = m_run.sentBeforeAck;
    m_report.preparedDropped = m_run.preparedDropped;
    m_report.pending = m_pendingCount;
    m_report.conflicts = m_conflictCount;
    setStatus(Status::UpToDate);
    Q_EMIT finished(ok);
    startSearchIndexing();
    if (m_again || (m_pendingCount > 0 && m_options.automatic))
        QMetaObject::invokeMethod(this, &SyncEngine::syncNow, Qt::QueuedConnection);
}

void SyncEngine::signIn(const QString &serverUrl, const QString &email, const QByteArray &password,
                        const QString &deviceName, Done done)
{
    auto url = ApiClient::checkServerUrl(serverUrl);
    if (!url)
        return done(url.error());
    const QString normalizedEmail = email.trimmed().toLower();
    auto boundServer = m_store.syncValue(kServerUrl);
    auto boundEmail = m_store.syncValue(kEmail);
    if (!boundServer || !boundEmail)
        return done(boundServer ? boundEmail.error() : boundServer.error());
    if ((!boundServer->isEmpty() && *boundServer != url->toString())
        || (!boundEmail->isEmpty() && *boundEmail != normalizedEmail)) {
        return done(makeError(ErrorCode::InvalidInput,
                              tr("This store belongs to %1 on %2. Wipe it, or use another data directory, to sign in "
                                 "as someone else or to another server.")
                                  .arg(*boundEmail, *boundServer)));
    }
    if (m_running) {
        ++m_run.id;
        m_api.abortAll();
        m_running = false;
    }
    m_api.setServer(*url);
    protocol::LoginRequest request;
    request.email = normalizedEmail;
    request.password = QString::fromUtf8(password);
    request.deviceName = deviceName.left(200);
    m_api.login(request, [this, url = *url, normalizedEmail, done](std::variant<protocol::LoginResponse, CallError> answer) {
        if (auto *error = std::get_if<CallError>(&answer)) {
            if (error->kind == CallError::Kind::Http && error->status == 401)
                return done(makeError(ErrorCode::InvalidInput, tr("Wrong e-mail or password.")));
            if (error->kind == CallError::Kind::Http && error->status == 429)
                return done(makeError(ErrorCode::Throttled, tr("Too many sign-in attempts; try again in %1 s.")
                                                                  .arg(std::max<qint64>(1, error->retryAfterMs / 1000))));
            return done(makeError(ErrorCode::Unavailable, error->message));
        }
        auto login = std::get<protocol::LoginResponse>(std::move(answer));
        QByteArray token = login.token.toUtf8();
        scrubString(login.token);
        SecureBuffer secret = SecureBuffer::fromByteArray(QByteArray(token));
        m_api.setToken(token);
        scrubByteArray(token);
        m_keyStore.writeSecret(m_tokenEntry, secret, [this, url, normalizedEmail, login, done](Result<void> written) {
            if (!written) {
                // Without a safe place for the token this device cannot stay signed in: give the token back.
                m_api.logout([this](std::optional<CallError>) { m_api.clearToken(); });
                return done(makeError(ErrorCode::Unavailable,
                                      tr("The OS keystore cannot keep this device's sign-in (%1); not signed in.")
                                          .arg(written.error().message)));
            }
            if (auto r = m_store.setSyncValues({{kServerUrl, url.toString()},
                                                {kEmail, normalizedEmail},
                                                {kUserId, login.user.id},
                                                {kRole, login.user.role},
                                                {kTeamId, login.user.teamId},
                                                {kDeviceId, login.deviceId},
                                                {kPins, m_pins.join(u',')},
                                                {kSignedIn, u"1"_s}});
                !r)
                return done(r.error());
            loadAccount();
            setStatus(Status::Offline, tr("Not synced yet."));
            if (m_options.automatic) {
                m_periodic.start();
                syncNow();
            }
            done({});
        });
    });
}

void SyncEngine::signOut(Done done)
{
    ++m_run.id;
    m_api.abortAll();
    m_running = false;
    m_debounce.stop();
    m_periodic.stop();
    m_retry.stop();
    const auto finishSignOut = [this, done](bool told) {
        m_api.clearToken();
        m_keyStore.removeSecret(m_tokenEntry, [this, done, told](Result<void> removed) {
            if (auto r = m_store.setSyncValues({{kSignedIn, QString()}}); !r)
                return done(r.error());
            loadAccount();
            setStatus(Status::LocalOnly,
                      told ? QString() : tr("Signed out on this device; the server could not be told."));
            if (!removed)
                return done(makeError(ErrorCode::Unavailable,
                                      tr("Signed out, but the sign-in could not be removed from the OS keystore (%1).")
                                          .arg(removed.error().message)));
            done({});
        });
    };
    if (!m_signedIn)
        return finishSignOut(true);
    const auto tellServer = [this, finishSignOut] {
        m_api.logout([finishSignOut](std::optional<CallError> error) { finishSignOut(!error); });
    };
    if (m_api.hasToken())
        return tellServer();
    m_keyStore.readSecret(m_tokenEntry, [this, tellServer, finishSignOut](Result<SecureBuffer> token) {
        if (!token)
            return finishSignOut(false);
        QByteArray bytes = token->copyToByteArrayForKeystore();
        m_api.setToken(bytes);
        scrubByteArray(bytes);
        tellServer();
    });
}

} // namespace fieldnotes::sync
