pragma ComponentBehavior: Bound
import QtQuick
import QtTest
import Fieldnotes

// BoundLoader shows components of a file with `pragma ComponentBehavior: Bound` (this one), which Qt 6.4's Loader
// refuses to create: they see the ids around them, switch, unload at once, fill the loader, and a change made while one
// is being made is followed.
TestCase {
    id: testCase
    name: "BoundLoader"
    when: windowShown
    width: 400
    height: 300

    property string caption: "first"
    property Component shownComponent: first
    property bool shown: true

    BoundLoader {
        id: loader
        anchors.fill: parent
        active: testCase.shown
        sourceComponent: testCase.shownComponent
    }
    Component {
        id: first
        Text {
            objectName: "first"
            text: testCase.caption
        }
    }
    Component {
        id: second
        Text {
            objectName: "second"
            text: testCase.caption + " (second)"
        }
    }
    // Made, it turns the loader off at once.
    Component {
        id: closesItself
        Text {
            objectName: "closesItself"
            Component.onCompleted: testCase.shown = false
        }
    }
    Component {
        id: plainLoaderComponent
        Loader {
            sourceComponent: first
        }
    }

    function init() {
        caption = "first"
        shownComponent = first
        shown = true
    }

    function test_1_plainLoaderRefusesABoundComponent() {
        // Why BoundLoader exists; when this fails, Qt's Loader creates bound components and can replace it.
        ignoreWarning(/Cannot instantiate bound component outside its creation context/)
        const plain = createTemporaryObject(plainLoaderComponent, testCase)
        compare(plain.item, null)
    }

    function test_2_createsWithTheIdsAround() {
        verify(loader.item)
        compare(loader.item.objectName, "first")
        compare(loader.item.text, "first")
        caption = "changed"
        compare(loader.item.text, "changed")
    }

    function test_3_fillsTheLoader() {
        compare(loader.item.parent, loader)
        compare(loader.item.width, testCase.width)
        compare(loader.item.height, testCase.height)
    }

    function test_4_switchesAndUnloadsAtOnce() {
        const old = loader.item
        shownComponent = second
        compare(loader.item.objectName, "second")
        compare(loader.item.text, "first (second)")
        // The replaced item left the scene before its deferred deletion.
        verify(!old || (old.parent === null && !old.visible))
        shown = false
        compare(loader.item, null)
        compare(loader.children.length, 0)
        shown = true
        compare(loader.item.objectName, "second")
    }

    function test_5_followsAChangeMadeWhileLoading() {
        shownComponent = closesItself
        compare(loader.item, null)
        compare(loader.children.length, 0)
    }
}
