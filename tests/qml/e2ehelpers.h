#pragma once

#include "appsetup.h"

#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickWindow>
#include <QTest>

/** Drives the real UI as a user would: finds items by objectName, clicks their centre, types with keys. */
namespace e2e {

/// Loads the app's Main.qml into `engine` and shows its window at `size`, exposed and active; nullptr if it fails.
inline QQuickWindow *showMain(QQmlApplicationEngine &engine, QSize size)
{
    using namespace Qt::Literals::StringLiterals;
    fieldnotes::app::AppSetup::configureEngine(engine);
    engine.load(QUrl(u"qrc:/qt/qml/Fieldnotes/Main.qml"_s));
    if (engine.rootObjects().size() != 1)
        return nullptr;
    auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());
    if (!window)
        return nullptr;
    window->resize(size);
    if (!QTest::qWaitForWindowExposed(window))
        return nullptr;
    window->requestActivate();
    return QTest::qWaitForWindowActive(window) ? window : nullptr;
}

// Repeater and ListView delegates have no QObject parent: walk the visual children too.
inline QQuickItem *findIn(QObject *scope, const QString &name)
{
    if (auto *item = qobject_cast<QQuickItem *>(scope)) {
        if (item->objectName() == name)
            return item;
        for (QQuickItem *child : item->childItems()) {
            if (QQuickItem *found = findIn(child, name))
                return found;
        }
    }
    for (QObject *child : scope->children()) {
        if (qobject_cast<QQuickItem *>(child) && qobject_cast<QQuickItem *>(scope))
            continue; // visited through childItems() when it is also a visual child
        if (QQuickItem *found = findIn(child, name))
            return found;
    }
    return nullptr;
}

inline QQuickItem *find(QObject *scope, const char *name)
{
    if (auto *window = qobject_cast<QQuickWindow *>(scope))
        scope = window->contentItem()->parentItem() ? window->contentItem()->parentItem() : window->contentItem();
    auto *item = findIn(scope, QString::fromLatin1(name));
    if (!item)
        qWarning("no item named %s", name);
    return item;
}

inline bool click(QQuickWindow *window, QQuickItem *item)
{
    if (!item || !item->isVisible() || !item->isEnabled())
        return false;
    const QPoint centre = item->mapToScene(QPointF(item->width() / 2, item->height() / 2)).toPoint();
    QTest::mouseClick(window, Qt::LeftButton, Qt::NoModifier, centre);
    return true;
}

inline bool type(QQuickWindow *window, QQuickItem *item, const QString &text)
{
    if (!item || !item->isVisible())
        return false;
    item->forceActiveFocus();
    if (!item->hasActiveFocus())
        return false;
    for (QChar c : text) // ASCII in these tests; QTest has keyClicks() for widgets only
        QTest::keyClick(window, c.toLatin1());
    return true;
}

} // namespace e2e
