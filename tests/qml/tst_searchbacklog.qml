import QtQuick
import QtTest
import Fieldnotes

// A search typed while a large sync's records are still being indexed (decision 0027) says so, with their number,
// and finds them once they are: against the real server, a teammate's 300 conversations pulled in one page.
TestCase {
    id: testCase
    name: "SearchBacklog"
    when: windowShown
    visible: true
    width: 500
    height: 900

    Component {
        id: syncComponent
        SyncPage {
            anchors.fill: parent
        }
    }
    Component {
        id: conversationsComponent
        ConversationsPage {
            anchors.fill: parent
        }
    }

    function initTestCase() {
        AppSession.createStore("orbit tulip saxophone gravel", "orbit tulip saxophone gravel", false)
        tryCompare(AppSession, "state", AppSession.Unlocked, 20000)
        const sync = createTemporaryObject(syncComponent, testCase)
        findChild(sync, "serverField").text = TestServer.url
        findChild(sync, "emailField").text = TestServer.marketerEmail
        findChild(sync, "passwordField").text = TestServer.password
        mouseClick(findChild(sync, "signInButton"))
        tryCompare(AppSync, "busy", false, 20000)
        compare(AppSync.signedIn, true, AppSync.signInError)
    }

    function test_aSearchSaysItIsCatchingUp() {
        const page = createTemporaryObject(conversationsComponent, testCase)
        const search = findChild(page, "conversationSearchField")
        const catchingUp = findChild(page, "searchCatchingUp")
        // What the line said each time it came up (it may be up for a few event-loop turns only).
        const shown = []
        catchingUp.visibleChanged.connect(() => { if (catchingUp.visible) shown.push(catchingUp.text) })

        verify(TestServer.teammateWritesConversations(300, "polar"))
        search.text = "polar"
        verify(!catchingUp.visible) // nothing to catch up on yet
        const before = AppSync.lastSync.getTime()
        AppSync.syncNow()
        tryVerify(() => AppSync.lastSync.getTime() > before && AppSync.searchBacklog === 0, 30000,
                  "synced and indexed")
        compare(shown.length, 1, "the line came up once: " + JSON.stringify(shown))
        verify(shown[0].indexOf("Still indexing 300 records from the last sync") === 0, shown[0])
        verify(!catchingUp.visible)
        // The pulled conversations are found: a full list of the best hits (the search shows 100), and each one by
        // its own word.
        const list = findChild(page, "conversationList")
        tryCompare(list, "count", 100, 5000)
        for (const word of ["ref000", "ref001", "ref149", "ref250", "ref299"]) {
            search.text = word
            tryCompare(list, "count", 1, 5000, word)
        }

        // Without search text the line never shows, even with records to index.
        search.text = ""
        verify(!catchingUp.visible)
    }
}
