import QtQuick
import QtTest
import Fieldnotes

// The Sync page against the real server: sign-in errors are shown, a real conflict is listed and can be restored.
TestCase {
    id: testCase
    name: "SyncPage"
    when: windowShown
    // TestCase is invisible by default: items in it would take no clicks.
    visible: true
    width: 400
    height: 800

    Component {
        id: pageComponent
        SyncPage {
            anchors.fill: parent
        }
    }

    function signIn(page, server, password) {
        findChild(page, "serverField").text = server
        findChild(page, "emailField").text = TestServer.marketerEmail
        findChild(page, "passwordField").text = password
        mouseClick(findChild(page, "signInButton"))
        tryCompare(AppSync, "busy", false, 20000)
    }

    function initTestCase() {
        AppSession.createStore("orbit tulip saxophone gravel", "orbit tulip saxophone gravel", false)
        tryCompare(AppSession, "state", AppSession.Unlocked, 20000)
    }

    function test_signInErrorsAndConflicts() {
        const page = createTemporaryObject(pageComponent, testCase)
        const error = findChild(page, "signInError")
        verify(!error.visible)

        signIn(page, "http://10.0.0.1:8470", TestServer.password)
        verify(error.visible)
        verify(error.text.indexOf("https://") >= 0, error.text)
        signIn(page, TestServer.url, "not the password")
        verify(error.text.indexOf("Wrong e-mail or password") >= 0, error.text)
        compare(AppSync.signedIn, false)

        signIn(page, TestServer.url, TestServer.password)
        compare(AppSync.signedIn, true, AppSync.signInError)
        verify(findChild(page, "syncNowButton").visible)
        compare(findChild(page, "conflictCard_0"), null)

        const id = TestServer.makeConflict()
        verify(id.length > 0)
        compare(TestServer.accountName(id), "Initech (teammate)")
        tryVerify(() => findChild(page, "conflictCard_0") !== null)
        const card = findChild(page, "conflictCard_0")
        compare(card.valueText, "Initech (app)")
        compare(card.field, "name")
        const restore = findChild(card, "restoreConflict_" + card.conflictId)
        verify(restore.visible)
        verify(restore.height >= 48)
        mouseClick(restore)
        compare(TestServer.accountName(id), "Initech (app)")
        tryVerify(() => findChild(page, "conflictCard_0") === null)
    }
}
