import QtQuick
import QtTest
import Fieldnotes

// The account picker's popup: a name typed while it opens (its transition still running) is kept, and each
// opening starts with an empty search.
TestCase {
    id: testCase
    name: "AccountPicker"
    when: windowShown
    visible: true
    width: 600
    height: 800

    Component {
        id: pickerComponent
        AccountPicker {
            width: 400
        }
    }

    function test_whatIsTypedWhileThePopupOpensIsKept() {
        const picker = createTemporaryObject(pickerComponent, testCase)
        const button = findChild(picker, "accountPickerButton")
        const popup = findChild(picker, "accountPickerPopup")
        const field = findChild(picker, "accountSearchField")
        mouseClick(button)
        verify(popup.visible)
        verify(!popup.opened, "the popup opens with a transition")
        for (const key of "Acme")
            keyClick(key)
        tryCompare(popup, "opened", true)
        compare(field.text, "Acme")
        verify(field.activeFocus)
        for (const key of " Tools")
            keyClick(key)
        compare(field.text, "Acme Tools")

        popup.close()
        tryCompare(popup, "visible", false)
        mouseClick(button)
        tryCompare(popup, "opened", true)
        compare(field.text, "", "a new opening starts with an empty search")
        verify(field.activeFocus)
    }
}
