#include "faultproxy.h"

#include <QHostAddress>
#include <QMutexLocker>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>

namespace fieldnotes::test {

namespace {

// Bytes of a complete HTTP message at the start of `buffer` (head + Content-Length body), or 0 if incomplete.
// `isResponseTo` set: a response (204/304 and 1xx have no body).
qsizetype completeMessage(const QByteArray &buffer, bool response)
{
    const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
    if (headEnd < 0)
        return 0;
    const QByteArray head = buffer.left(headEnd);
    qsizetype length = 0;
    for (const QByteArray &line : head.split('\n')) {
        const QByteArray trimmed = line.trimmed();
        if (trimmed.toLower().startsWith("content-length:"))
            length = trimmed.mid(15).trimmed().toLongLong();
    }
    if (response) {
        const QByteArray statusLine = head.left(head.indexOf('\r'));
        const int status = statusLine.mid(9, 3).toInt();
        if (status == 204 || status == 304 || status < 200)
            length = 0;
    }
    const qsizetype total = headEnd + 4 + length;
    return buffer.size() >= total ? total : 0;
}

QByteArray proxyAnswer(int status)
{
    const QByteArray body = status == 503 ? QByteArray(R"json({"error":"internal","message":"unavailable (fault proxy)"})json")
                                          : QByteArray(R"json({"error":"internal","message":"internal error (fault proxy)"})json");
    QByteArray answer = "HTTP/1.1 " + QByteArray::number(status)
        + (status == 503 ? " Service Unavailable\r\nRetry-After: 1\r\n" : " Internal Server Error\r\n");
    answer += "Content-Type: application/json\r\nConnection: close\r\nContent-Length: " + QByteArray::number(body.size())
        + "\r\n\r\n" + body;
    return answer;
}

} // namespace

/** One client connection and its upstream connection, request by request. Lives on the proxy's thread. */
class ProxyConnection final : public QObject
{
public:
    ProxyConnection(FaultProxy *proxy, QTcpSocket *client)
        : m_proxy(proxy)
        , m_client(client)
    {
        client->setParent(this);
        connect(client, &QTcpSocket::readyRead, this, &ProxyConnection::clientData);
        connect(client, &QTcpSocket::disconnected, this, &ProxyConnection::close);
        clientData();
    }

private:
    void clientData()
    {
        if (m_busy || !m_client)
            return;
        m_fromClient += m_client->readAll();
        const qsizetype size = completeMessage(m_fromClient, false);
        if (size == 0)
            return;
        const QByteArray request = m_fromClient.left(size);
        m_fromClient.remove(0, size);
        quint16 upstreamPort = 0;
        m_fault = m_proxy->nextFault(&upstreamPort);
        switch (m_fault) {
        case FaultProxy::Fault::DropBeforeRequest:
            return close();
        case FaultProxy::Fault::Status500:
        case FaultProxy::Fault::Status503:
            m_client->write(proxyAnswer(m_fault == FaultProxy::Fault::Status503 ? 503 : 500));
            m_client->flush();
            m_client->disconnectFromHost();
            return;
        default:
            break;
        }
        m_busy = true;
        if (!m_upstream || m_upstream->state() != QAbstractSocket::ConnectedState || m_upstreamPort != upstreamPort) {
            if (m_upstream)
                m_upstream->deleteLater();
            m_upstream = new QTcpSocket(this);
            m_upstreamPort = upstreamPort;
            connect(m_upstream, &QTcpSocket::readyRead, this, &ProxyConnection::upstreamData);
            connect(m_upstream, &QTcpSocket::disconnected, this, [this] {
                if (m_busy)
                    close(); // the server went away in the middle of a request
            });
            connect(m_upstream, &QTcpSocket::errorOccurred, this, [this] {
                if (m_busy)
                    close();
            });
            m_upstream->connectToHost(QHostAddress::LocalHost, upstreamPort);
        }
        m_upstream->write(request);
    }

    void upstreamData()
    {
        m_fromUpstream += m_upstream->readAll();
        const qsizetype size = completeMessage(m_fromUpstream, true);
        if (size == 0)
            return;
        const QByteArray response = m_fromUpstream.left(size);
        m_fromUpstream.remove(0, size);
        m_busy = false;
        switch (m_fault) {
        case FaultProxy::Fault::DropAfterRequest:
            return close();
        case FaultProxy::Fault::DropMidResponse:
            m_client->write(response.left(response.size() / 2));
            m_client->flush();
            return close();
        case FaultProxy::Fault::Hang:
            m_busy = true; // read nothing more from this client; it has to give up
            return;
        default:
            m_client->write(response);
            clientData(); // a next request may already be buffered
        }
    }

    void close()
    {
        if (m_closed)
            return;
        m_closed = true;
        if (m_client)
            m_client->abort();
        if (m_upstream)
            m_upstream->abort();
        deleteLater();
    }

    FaultProxy *m_proxy;
    QPointer<QTcpSocket> m_client;
    QPointer<QTcpSocket> m_upstream;
    quint16 m_upstreamPort = 0;
    QByteArray m_fromClient;
    QByteArray m_fromUpstream;
    FaultProxy::Fault m_fault = FaultProxy::Fault::Pass;
    bool m_busy = false;
    bool m_closed = false;
};

/** The listening socket, on the proxy's thread. */
class ProxyWorker final : public QObject
{
public:
    explicit ProxyWorker(FaultProxy *proxy)
        : m_proxy(proxy)
    { }

    quint16 listen()
    {
        m_server = new QTcpServer(this);
        connect(m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *client = m_server->nextPendingConnection())
                new ProxyConnection(m_proxy, client);
        });
        return m_server->listen(QHostAddress::LocalHost, 0) ? m_server->serverPort() : 0;
    }

private:
    FaultProxy *m_proxy;
    QTcpServer *m_server = nullptr;
};

FaultProxy::FaultProxy(quint16 upstreamPort)
    : m_upstreamPort(upstreamPort)
    , m_random(1)
{ }

FaultProxy::~FaultProxy()
{
    if (m_thread) {
        m_thread->quit();
        m_thread->wait();
    }
}

bool FaultProxy::start()
{
    m_thread = std::make_unique<QThread>();
    m_worker = new ProxyWorker(this);
    m_worker->moveToThread(m_thread.get());
    QObject::connect(m_thread.get(), &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread->start();
    QMetaObject::invokeMethod(m_worker, [this] { m_port = m_worker->listen(); }, Qt::BlockingQueuedConnection);
    return m_port != 0;
}

void FaultProxy::setUpstreamPort(quint16 port)
{
    QMutexLocker lock(&m_mutex);
    m_upstreamPort = port;
}

void FaultProxy::queueFaults(const QList<Fault> &faults)
{
    QMutexLocker lock(&m_mutex);
    m_queue += faults;
}

void FaultProxy::setRandomFaults(double probability, quint32 seed, const QList<Fault> &kinds)
{
    QMutexLocker lock(&m_mutex);
    m_probability = probability;
    m_random.seed(seed);
    m_randomKinds = kinds;
}

void FaultProxy::setPartitioned(bool partitioned)
{
    QMutexLocker lock(&m_mutex);
    m_partitioned = partitioned;
}

void FaultProxy::heal()
{
    QMutexLocker lock(&m_mutex);
    m_queue.clear();
    m_probability = 0;
    m_partitioned = false;
}

int FaultProxy::requestsSeen() const
{
    QMutexLocker lock(&m_mutex);
    return m_requests;
}

int FaultProxy::faultsInjected() const
{
    QMutexLocker lock(&m_mutex);
    return m_faults;
}

FaultProxy::Fault FaultProxy::nextFault(quint16 *upstreamPort)
{
    QMutexLocker lock(&m_mutex);
    ++m_requests;
    *upstreamPort = m_upstreamPort;
    Fault fault = Fault::Pass;
    if (m_partitioned)
        fault = Fault::DropBeforeRequest;
    else if (!m_queue.isEmpty())
        fault = m_queue.takeFirst();
    else if (!m_randomKinds.isEmpty() && m_random.generateDouble() < m_probability)
        fault = m_randomKinds.at(int(m_random.bounded(quint32(m_randomKinds.size()))));
    if (fault != Fault::Pass)
        ++m_faults;
    return fault;
}

} // namespace fieldnotes::test
