import QtQuick
import QtQuick.Controls
import QtTest
import Fieldnotes

// The whole window at desktop, tablet and phone sizes: every section's header shows its title whole (the
// Conversations list pane is 360 px wide beside the capture page), with its actions and the sync status inside the
// bar, nothing a finger taps under 48 px, and no warning.
TestCase {
    id: testCase
    name: "HeaderLayout"
    when: windowShown
    visible: true
    width: 200
    height: 200

    Component {
        id: mainComponent
        Main {}
    }

    // The StackLayout's pages, by section index (Main.qml's order).
    readonly property var pages: ["conversationsPage", "insightsPage", "accountsPage", "syncPage", "settingsPage",
        "leadsPage"]

    function init() {
        // No binding loop or other warning at any size (the wipe dialog's looped on phones).
        failOnWarning(/.*/)
    }

    function test_titlesAreWhole_data() {
        return [
            { tag: "desktop 1280x800", width: 1280, height: 800 },
            { tag: "desktop 1920x1080", width: 1920, height: 1080 },
            { tag: "tablet portrait 800x1280", width: 800, height: 1280 },
            { tag: "tablet 1024x768", width: 1024, height: 768 },
            { tag: "phone 412x915", width: 412, height: 915 },
            { tag: "phone 360x640", width: 360, height: 640 }
        ]
    }

    function test_titlesAreWhole(data) {
        const main = createTemporaryObject(mainComponent, testCase, { width: data.width, height: data.height })
        verify(main)
        tryVerify(() => findChild(main.contentItem, "conversationsPage") !== null)
        const rail = main.width >= 1000
        // The bottom navigation laid out (before that every tab is at x 0, the last on top).
        if (!rail)
            tryVerify(() => findChild(main.contentItem, "tab_1").x > 0)
        waitForRendering(main.contentItem)
        for (let section = 0; section < pages.length; ++section) {
            const entry = findChild(main.contentItem, (rail ? "rail_" : "tab_") + section)
            verify(entry, "a navigation entry for section " + section)
            verify(entry.height >= 48)
            mouseClick(entry)
            const page = findChild(main.contentItem, pages[section])
            tryVerify(() => page.visible, 1000, pages[section] + " shown")
            wait(20) // the layouts settle
            const title = findChild(page, "headerTitle")
            verify(title, pages[section] + " has a title")
            verify(title.text.length > 0)
            verify(!title.truncated, pages[section] + ": \"" + title.text + "\" is elided at " + data.tag
                   + " (" + title.width + " of " + title.implicitWidth + " px)")
            // The bar's buttons stay inside it, and are big enough to tap.
            const bar = title.parent
            const indicator = findChild(bar, "syncIndicator")
            verify(indicator && indicator.visible, "the sync status is on " + pages[section])
            verify(indicator.width >= 48 && indicator.height >= 48)
            const right = indicator.mapToItem(bar, indicator.width, 0).x
            verify(right <= bar.width + 0.5, pages[section] + ": the sync status overflows the bar at " + data.tag)
            verify(indicator.Accessible.name.length > "Sync status: ".length)
        }
    }

    function test_navigationLabelsAreWhole_data() {
        return [
            { tag: "tablet portrait 800x1280", width: 800, height: 1280 },
            { tag: "phone 412x915", width: 412, height: 915 },
            { tag: "phone 360x640", width: 360, height: 640 }
        ]
    }

    // The bottom navigation's six tabs: every label whole, in the product's words, each tab a hit target with its
    // whole name for screen readers, side by side within the bar.
    function test_navigationLabelsAreWhole(data) {
        const main = createTemporaryObject(mainComponent, testCase, { width: data.width, height: data.height })
        verify(main)
        const bar = findChild(main.contentItem, "bottomNavigation")
        verify(bar && bar.visible)
        tryVerify(() => findChild(main.contentItem, "tab_1").x > 0)
        waitForRendering(main.contentItem)
        const names = ["Conversations", "Insights", "Accounts", "Sync", "Settings", "Leads"]
        let right = 0
        for (const section of [0, 1, 2, 5, 3, 4]) {
            const tab = findChild(bar, "tab_" + section)
            const label = findChild(tab, "tabLabel_" + section)
            verify(label, "tab " + section + " has a label")
            compare(label.text, names[section])
            verify(!label.truncated, "\"" + label.text + "\" is elided at " + data.tag + " (" + label.width + " of "
                   + label.implicitWidth + " px)")
            verify(tab.width >= 48 && tab.height >= 48, names[section] + " is " + tab.width + " × " + tab.height)
            compare(tab.Accessible.name, names[section])
            const left = tab.mapToItem(bar, 0, 0).x
            verify(left >= right - 0.5, names[section] + " overlaps the tab before it")
            right = left + tab.width
        }
        verify(right <= bar.width + 0.5, "the last tab ends at " + right + " of " + bar.width + " px")
    }
}
