pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Fieldnotes

// Picks an account, or creates one inline from what was typed.
ColumnLayout {
    id: root

    property string accountName
    property string placeholder: qsTr("Choose or create the account")

    signal picked(string accountId)
    signal createRequested(string name)

    spacing: 0

    Button {
        id: button
        objectName: "accountPickerButton"
        Layout.fillWidth: true
        implicitHeight: Theme.hitTarget
        text: root.accountName.length > 0 ? root.accountName : root.placeholder
        flat: root.accountName.length > 0
        Accessible.name: qsTr("Account: %1").arg(text)
        onClicked: popup.open()
    }

    Popup {
        id: popup
        objectName: "accountPickerPopup"
        y: button.height
        width: Math.max(button.width, 300)
        height: Math.min(420, contentColumn.implicitHeight + topPadding + bottomPadding)
        modal: true
        focus: true
        // Emptied before it shows, not once its opening transition has ended: what a quick typist types meanwhile
        // (the field has the focus from the start) stays.
        onAboutToShow: search.text = ""
        onOpened: search.forceActiveFocus()

        ColumnLayout {
            id: contentColumn
            anchors.fill: parent
            TextField {
                id: search
                objectName: "accountSearchField"
                focus: true
                Layout.fillWidth: true
                placeholderText: qsTr("Search or type a new name")
                selectByMouse: true
                Accessible.name: qsTr("Account name")
                onAccepted: if (accounts.count === 0 && text.trim().length > 0) create.clicked()
            }
            Button {
                id: create
                objectName: "createAccountButton"
                Layout.fillWidth: true
                visible: search.text.trim().length > 0
                implicitHeight: Theme.hitTarget
                text: qsTr("Create account \u201C%1\u201D").arg(search.text.trim())
                // Keeping the focus would let a space typed later (in the notes) press it again.
                focusPolicy: Qt.NoFocus
                Accessible.name: text
                onClicked: {
                    root.createRequested(search.text.trim())
                    popup.close()
                }
            }
            ListView {
                Layout.fillWidth: true
                Layout.fillHeight: true
                Layout.preferredHeight: contentHeight
                clip: true
                model: AccountListModel {
                    id: accounts
                    session: AppSession
                    filterText: search.text
                }
                delegate: ItemDelegate {
                    required property int index
                    required property string accountId
                    required property string name
                    objectName: "accountChoice_" + index
                    width: ListView.view.width
                    text: name
                    Accessible.name: name
                    onClicked: {
                        root.picked(accountId)
                        popup.close()
                    }
                }
            }
        }
    }
}
