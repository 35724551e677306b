#pragma once

#include "sync/server/http/httprequest.h"
#include "sync/server/http/httpresponse.h"

#include <QByteArray>
#include <QByteArrayList>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>

namespace fieldnotes::http {

/**
 * A handler: takes the request, returns the response. It runs on the server's worker pool (unless registered
 * Inline), so it may block on a database; it must not touch the socket thread's objects.
 */
using Handler = std::function<HttpResponse(const HttpRequest &)>;

/**
 * Where a handler runs: on the worker pool (the default), on the writer pool (handlers that may wait for a database
 * write lock, so that a queue of them can never hold every worker while reads wait), or directly on the socket
 * thread (trivial handlers).
 */
enum class Dispatch { Worker, Writer, Inline };

/** Maps (method, path) to handlers. Patterns are literal paths with at most one "{name}" segment. */
class Router
{
public:
    struct Route
    {
        QByteArray method;
        QString pattern;
        QStringList segments;
        int parameterIndex = -1; ///< the "{name}" segment, or -1
        QString parameterName;
        Handler handler;
        Dispatch dispatch = Dispatch::Worker;
    };

    struct Match
    {
        enum class Kind { Found, NotFound, MethodNotAllowed };
        Kind kind = Kind::NotFound;
        const Route *route = nullptr; ///< when Found
        QString pattern; ///< the matched pattern, when Found or MethodNotAllowed
        QHash<QString, QString> parameters;
        QByteArrayList allowed; ///< methods the path accepts, when MethodNotAllowed
    };

    /** Adds a route. A malformed pattern or a duplicate (method, pattern) is a programming error: qFatal. */
    void route(const QByteArray &method, const QString &pattern, Handler handler, Dispatch dispatch = Dispatch::Worker);

    /** Literal routes win over routes with a parameter. A parameter matches one non-empty segment. */
    [[nodiscard]] Match match(QByteArrayView method, const QString &path) const;

private:
    static bool matches(const Route &route, const QStringList &segments, QHash<QString, QString> *parameters);

    QList<Route> m_routes;
};

} // namespace fieldnotes::http
