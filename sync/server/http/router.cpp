#include "sync/server/http/router.h"

#include <QtGlobal>

using namespace Qt::Literals::StringLiterals;

namespace fieldnotes::http {

void Router::route(const QByteArray &method, const QString &pattern, Handler handler, Dispatch dispatch)
{
    if (!pattern.startsWith(u'/') || method.isEmpty())
        qFatal("Router: a pattern must start with '/' and have a method");
    Route r;
    r.method = method;
    r.pattern = pattern;
    r.segments = pattern.sliced(1).split(u'/');
    r.handler = std::move(handler);
    r.dispatch = dispatch;
    for (int i = 0; i < r.segments.size(); ++i) {
        const QString &segment = r.segments.at(i);
        if (segment.startsWith(u'{') && segment.endsWith(u'}') && segment.size() > 2) {
            if (r.parameterIndex >= 0)
                qFatal("Router: at most one {parameter} segment per pattern");
            r.parameterIndex = i;
            r.parameterName = segment.sliced(1, segment.size() - 2);
        } else if (segment.contains(u'{') || segment.contains(u'}')) {
            qFatal("Router: a {parameter} must be a whole segment");
        }
    }
    for (const Route &existing : std::as_const(m_routes)) {
        if (existing.method == method && existing.pattern == pattern)
            qFatal("Router: duplicate route");
    }
    m_routes.append(std::move(r));
}

bool Router::matches(const Route &route, const QStringList &segments, QHash<QString, QString> *parameters)
{
    if (route.segments.size() != segments.size())
        return false;
    for (int i = 0; i < segments.size(); ++i) {
        if (i == route.parameterIndex) {
            if (segments.at(i).isEmpty())
                return false;
            continue;
        }
        if (route.segments.at(i) != segments.at(i))
            return false;
    }
    if (parameters && route.parameterIndex >= 0)
        parameters->insert(route.parameterName, segments.at(route.parameterIndex));
    return true;
}

Router::Match Router::match(QByteArrayView method, const QString &path) const
{
    Match result;
    if (!path.startsWith(u'/'))
        return result;
    const QStringList segments = path.sliced(1).split(u'/');

    // Two passes: literal patterns first, then patterns with a parameter, so "/a/list" beats "/a/{id}".
    for (const bool withParameter : {false, true}) {
        const Route *found = nullptr;
        QString pattern;
        for (const Route &route : m_routes) {
            if ((route.parameterIndex >= 0) != withParameter || !matches(route, segments, nullptr))
                continue;
            if (!pattern.isEmpty() && route.pattern != pattern)
                continue; // a different pattern of the same kind matched first; it wins
            pattern = route.pattern;
            if (!result.allowed.contains(route.method))
                result.allowed.append(route.method);
            if (route.method == method)
                found = &route;
        }
        if (found) {
            result.kind = Match::Kind::Found;
            result.route = found;
            result.pattern = found->pattern;
            result.allowed.clear();
            matches(*found, segments, &result.parameters);
            return result;
        }
        if (!pattern.isEmpty() && result.pattern.isEmpty()) {
            result.kind = Match::Kind::MethodNotAllowed;
            result.pattern = pattern;
        }
    }
    return result;
}

} // namespace fieldnotes::http
