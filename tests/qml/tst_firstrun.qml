import QtQuick
import QtTest
import Fieldnotes

// First run with "sign in": create the store, then the sign-in step shows the client's errors as they are
// (http:// to another host, wrong password, server unreachable), offers local-only, and signs in.
TestCase {
    id: testCase
    name: "FirstRunSignIn"
    when: windowShown
    // TestCase is invisible by default: items in it would take no clicks.
    visible: true
    width: 400
    height: 800

    Component {
        id: setupComponent
        SetupPage {
            anchors.fill: parent
        }
    }
    Component {
        id: spyComponent
        SignalSpy {}
    }
    // The whole window too: it must keep the setup page up after the store opens, until the sign-in step is done.
    Component {
        id: mainComponent
        Main {
            width: 400
            height: 800
        }
    }

    function signIn(page, server, email, password) {
        findChild(page, "serverField").text = server
        findChild(page, "emailField").text = email
        findChild(page, "passwordField").text = password
        const button = findChild(page, "signInButton")
        verify(button.enabled)
        mouseClick(button)
        tryCompare(AppSync, "busy", false, 20000)
    }

    function test_firstRunSignIn() {
        compare(AppSession.state, AppSession.NoStore)
        const main = createTemporaryObject(mainComponent, testCase)
        const shell = findChild(main.contentItem, "shellLoader")
        compare(shell.item.objectName, "setupPage")
        const windowSetupPage = shell.item
        findChild(shell.item, "signInChoiceButton").clicked()
        compare(main.firstRunSignIn, true)

        const page = createTemporaryObject(setupComponent, testCase)
        const finished = createTemporaryObject(spyComponent, testCase, { target: page, signalName: "finished" })
        const choice = findChild(page, "signInChoiceButton")
        verify(choice.visible)
        verify(choice.height >= 48)
        mouseClick(choice)
        verify(page.serverChosen)
        verify(!findChild(page, "firstRunSignIn").visible)

        findChild(page, "newPassphraseField").text = "orbit tulip saxophone gravel"
        findChild(page, "repeatPassphraseField").text = "orbit tulip saxophone gravel"
        mouseClick(findChild(page, "createStoreButton"))
        tryCompare(AppSession, "state", AppSession.Unlocked, 20000)
        tryVerify(() => findChild(page, "firstRunSignIn").visible)
        compare(shell.item.objectName, "setupPage") // not the app yet: the sign-in step
        verify(shell.item === windowSetupPage, "the same setup page: the app was not built and dropped in between")
        verify(findChild(shell.item, "firstRunSignIn").visible)
        compare(AppSync.signedIn, false)
        const error = findChild(page, "signInError")
        verify(!error.visible)

        signIn(page, "http://fieldnotes.example.com", TestServer.marketerEmail, TestServer.password)
        verify(error.visible)
        verify(error.text.indexOf("https://") >= 0, error.text)
        compare(AppSync.signedIn, false)

        signIn(page, TestServer.url, TestServer.marketerEmail, "not the password")
        verify(error.visible)
        verify(error.text.indexOf("Wrong e-mail or password") >= 0, error.text)
        compare(findChild(page, "passwordField").text, "") // never kept after a try
        compare(AppSync.signedIn, false)

        signIn(page, "http://127.0.0.1:1", TestServer.marketerEmail, TestServer.password)
        verify(error.visible)
        verify(error.text.length > 0)
        compare(AppSync.signedIn, false)
        compare(finished.count, 0)

        // The way back to local-only.
        const local = findChild(page, "continueLocalButton")
        verify(local.visible && local.enabled)
        verify(local.height >= 48)
        mouseClick(local)
        compare(finished.count, 1)
        compare(AppSync.signedIn, false)

        signIn(page, TestServer.url, TestServer.marketerEmail, TestServer.password)
        compare(AppSync.signedIn, true, AppSync.signInError)
        verify(!error.visible)
        compare(AppSync.userEmail, TestServer.marketerEmail)
        compare(finished.count, 2)
        // The window's own setup page saw the sign-in too: the app replaces it.
        tryCompare(main, "firstRunSignIn", false)
        tryVerify(() => shell.item && shell.item.objectName !== "setupPage")
    }
}
