pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Fieldnotes

// The review before an insight goes to sales: its text and quote, editable, with e-mail addresses and phone
// numbers flagged (found in C++: RecordActions.findPersonalData). Publishing anyway is the reviewer's call.
Dialog {
    id: root

    property string insightId
    // Null once it is destroyed, which may be before this dialog (the page that owns both goes away): then there is
    // nothing to review and nothing to publish with.
    required property RecordActions actions
    readonly property var textFindings: root.actions ? root.actions.findPersonalData(textArea.text) : []
    readonly property var quoteFindings: root.actions ? root.actions.findPersonalData(quoteArea.text) : []
    readonly property int findingCount: textFindings.length + quoteFindings.length

    signal published(string insightId)

    function review(id) {
        if (!root.actions)
            return
        insightId = id
        const fields = root.actions.fields("insight", id)
        textArea.text = fields.text || ""
        quoteArea.text = fields.quote || ""
        open()
    }

    objectName: "publishReviewDialog"
    title: qsTr("Publish to sales")
    modal: true
    anchors.centerIn: Overlay.overlay
    width: Math.min(560, (parent ? parent.width : 560) - 2 * Theme.margin)
    standardButtons: Dialog.NoButton

    ColumnLayout {
        anchors.fill: parent
        spacing: Theme.spacing

        Label {
            Layout.fillWidth: true
            text: qsTr("Sales will see this text and quote. Raw notes stay with marketing.")
            wrapMode: Text.WordWrap
            color: Theme.subtleText
        }
        Label {
            text: qsTr("Insight")
        }
        TextArea {
            id: textArea
            objectName: "reviewTextArea"
            Layout.fillWidth: true
            wrapMode: TextEdit.Wrap
            selectByMouse: true
            Accessible.name: qsTr("Insight text")
        }
        Label {
            text: qsTr("Quote")
        }
        TextArea {
            id: quoteArea
            objectName: "reviewQuoteArea"
            Layout.fillWidth: true
            wrapMode: TextEdit.Wrap
            selectByMouse: true
            Accessible.name: qsTr("Quote")
        }
        Label {
            objectName: "personalDataWarning"
            Layout.fillWidth: true
            visible: root.findingCount > 0
            color: Theme.warning
            wrapMode: Text.WordWrap
            text: qsTr("Personal data found: %1. Remove it unless the customer agreed to share it.")
                  .arg(root.textFindings.concat(root.quoteFindings).map(f => f.text).join(", "))
        }
        Label {
            objectName: "personalDataClear"
            Layout.fillWidth: true
            visible: root.findingCount === 0
            color: Theme.success
            text: qsTr("No e-mail addresses or phone numbers found.")
        }
        RowLayout {
            Layout.fillWidth: true
            Item {
                Layout.fillWidth: true
            }
            Button {
                objectName: "publishCancelButton"
                text: qsTr("Cancel")
                flat: true
                implicitHeight: Theme.hitTarget
                Accessible.name: text
                onClicked: root.reject()
            }
            Button {
                objectName: "publishConfirmButton"
                text: root.findingCount > 0 ? qsTr("Publish anyway") : qsTr("Publish")
                highlighted: true
                implicitHeight: Theme.hitTarget
                enabled: root.actions !== null && textArea.text.trim().length > 0
                Accessible.name: text
                onClicked: {
                    if (root.actions && root.actions.publish(root.insightId, textArea.text, quoteArea.text)) {
                        root.published(root.insightId)
                        root.accept()
                    }
                }
            }
        }
    }
}
