pragma ComponentBehavior: Bound
import QtQuick

// A Loader for the components of a file with `pragma ComponentBehavior: Bound`: shows the item of `sourceComponent`
// while `active`, filling this item, and destroys it when inactive or when the component changes. The component's
// root is an Item.
// Qt 6.4's Loader cannot create such a component: it always creates its item in a new child context (with the Loader as
// context object), and 6.4 creates a bound component only in the context it was declared in ("Cannot instantiate bound
// component outside its creation context"). Component.createObject() creates it there. Delegates of views and repeaters
// are not affected.
Item {
    id: root

    property Component sourceComponent
    property bool active: true
    // The shown item; null while there is none.
    readonly property Item item: current.item

    function reload() {
        // A change made while the old item leaves or the new one is made (their handlers may change what to show)
        // is picked up by the call already running, so only one item is ever shown.
        if (current.reloading) {
            current.pending = true
            return
        }
        current.reloading = true
        do {
            current.pending = false
            root.unload()
            if (root.active && root.sourceComponent)
                root.load()
        } while (current.pending)
        current.reloading = false
    }
    function unload() {
        const old = current.item
        if (!old)
            return
        // As Loader does: out of the scene at once, not when the deferred deletion runs.
        current.item = null
        old.visible = false
        old.anchors.fill = undefined
        old.parent = null
        old.destroy()
    }
    function load() {
        // Sized from the start, so it is not laid out at 0 × 0 first. createObject() reports what goes wrong.
        const object = root.sourceComponent.createObject(root, { width: root.width, height: root.height })
        const created = object as Item
        if (!created) {
            if (object)
                object.destroy()
            return
        }
        created.anchors.fill = root
        current.item = created
    }

    implicitWidth: root.item ? root.item.implicitWidth : 0
    implicitHeight: root.item ? root.item.implicitHeight : 0
    onActiveChanged: if (current.complete) root.reload()
    onSourceComponentChanged: if (current.complete) root.reload()
    Component.onCompleted: {
        current.complete = true
        root.reload()
    }

    QtObject {
        id: current

        property Item item: null
        property bool complete: false
        property bool reloading: false
        property bool pending: false
    }
}
