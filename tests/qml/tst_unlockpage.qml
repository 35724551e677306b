import QtQuick
import QtTest
import Fieldnotes

// The pages that need no data to show: the unlock page's controls and the setup page's strength hint.
TestCase {
    id: testCase
    name: "UnlockAndSetupPages"
    when: windowShown
    width: 400
    height: 800

    Component {
        id: unlockComponent
        UnlockPage {
            anchors.fill: parent
        }
    }
    Component {
        id: setupComponent
        SetupPage {
            anchors.fill: parent
        }
    }

    function test_unlockControls() {
        const page = createTemporaryObject(unlockComponent, testCase)
        const button = findChild(page, "unlockButton")
        verify(button)
        compare(button.enabled, false) // no passphrase typed
        verify(button.height >= 48)
        findChild(page, "unlockPassphraseField").text = "something"
        compare(button.enabled, true)
        verify(page.header !== null) // the AppHeader, where the sync indicator goes
    }

    function test_setupStrengthHint() {
        const page = createTemporaryObject(setupComponent, testCase)
        mouseClick(findChild(page, "stayLocalButton"))
        const field = findChild(page, "newPassphraseField")
        const hint = findChild(page, "strengthHint")
        field.text = "short"
        compare(page.strength.score, 0)
        field.text = "password123"
        verify(page.strength.score <= 1)
        field.text = "orbit tulip saxophone gravel"
        verify(page.strength.score >= 3, hint.text)
        compare(findChild(page, "createStoreButton").enabled, false) // not repeated yet
    }
}
