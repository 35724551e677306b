#pragma once

#include <QJSEngine>
#include <QPointer>
#include <QQmlEngine>

namespace fieldnotes::app {

/**
 * The one object of class T behind a QML singleton of the module (AppSession, AppSync, Preferences: appsingletons.h)
 * that main() or a test's setup made, handed to every engine that asks through the declaration's static create().
 *
 * Unlike qmlRegisterSingletonInstance, which serves one engine, several engines (one per Qt Quick Test file, the
 * self-test's, a test that makes a second one) may ask for the same object: each gets it with C++ ownership, so
 * destroying an engine never deletes it.
 *
 * Threads: provide() and create() run on the thread the objects live on (the GUI thread); an engine asks the first
 * time its QML looks the singleton up, on its own thread, and must be on that same thread. Nothing here locks.
 */
template<typename T> class SingletonInstance final
{
public:
    SingletonInstance() = delete;

    /// Before an engine first looks the singleton up. `object` must outlive every engine that got it; an engine that
    /// already got an object keeps it when another is provided (tests make a new engine for new objects).
    static void provide(T *object) { s_object = object; }

    /// For the declaration's create(): the provided object, owned by C++. A missing object or one on another thread
    /// than `engine` is a composition error: it stops the program rather than giving QML a null singleton.
    [[nodiscard]] static T *forEngine(const QQmlEngine *engine)
    {
        T *object = s_object.data();
        if (!object)
            fail("no object was provided before an engine asked for it");
        if (engine && engine->thread() != object->thread())
            fail("the engine and the object live on different threads");
        QJSEngine::setObjectOwnership(object, QJSEngine::CppOwnership);
        return object;
    }

private:
    [[noreturn]] static void fail(const char *reason)
    {
        qFatal("QML singleton %s: %s", T::staticMetaObject.className(), reason);
    }

    static inline QPointer<T> s_object;
};

} // namespace fieldnotes::app
