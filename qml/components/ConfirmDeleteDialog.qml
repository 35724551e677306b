import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Fieldnotes

// Asks before a record is deleted. A delete syncs to every device of the team; what it takes with it is said here.
// `optionText` (optional) shows a check box, e.g. "Also delete its 3 insights"; confirmed() passes its state.
Dialog {
    id: root

    property string message
    property string optionText
    property string errorText

    signal confirmed(bool option)

    objectName: "confirmDeleteDialog"
    anchors.centerIn: Overlay.overlay
    width: Math.min(440, (Overlay.overlay ? Overlay.overlay.width : 440) - 2 * Theme.margin)
    modal: true
    title: qsTr("Delete?")
    onAboutToShow: option.checked = false

    ColumnLayout {
        anchors.fill: parent
        spacing: Theme.spacing
        Label {
            Layout.fillWidth: true
            text: root.message
            wrapMode: Text.WordWrap
        }
        CheckBox {
            id: option
            objectName: "confirmDeleteOption"
            Layout.fillWidth: true
            visible: root.optionText.length > 0
            text: root.optionText
            implicitHeight: Theme.hitTarget
            Accessible.name: text
        }
        Label {
            objectName: "confirmDeleteError"
            Layout.fillWidth: true
            visible: root.errorText.length > 0
            text: root.errorText
            color: Theme.warning
            wrapMode: Text.WordWrap
        }
    }

    footer: DialogButtonBox {
        Button {
            objectName: "confirmDeleteCancel"
            text: qsTr("Cancel")
            flat: true
            implicitHeight: Theme.hitTarget
            Accessible.name: text
            DialogButtonBox.buttonRole: DialogButtonBox.RejectRole // qmllint disable type
        }
        Button {
            objectName: "confirmDeleteButton"
            text: qsTr("Delete")
            implicitHeight: Theme.hitTarget
            Accessible.name: qsTr("Delete for everyone")
            DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole // qmllint disable type
        }
    }
    onAccepted: root.confirmed(option.visible && option.checked)
}
