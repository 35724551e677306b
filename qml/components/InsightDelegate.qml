import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Fieldnotes

// One insight: kind, text, quote, importance, tags, account, and whether sales can see it.
ItemDelegate {
    id: root

    required property int index
    required property string insightId
    required property string kindLabel
    required property string insightText
    required property string quote
    required property int importance
    required property string accountName
    required property bool published
    required property string tagNames
    property bool showAccount: true
    property bool showPublish: true
    property bool showDelete: false

    signal publishRequested(string insightId)
    signal unpublishRequested(string insightId)
    signal deleteRequested(string insightId)

    width: ListView.view ? ListView.view.width : implicitWidth
    objectName: "insight_" + index
    Accessible.name: kindLabel + ": " + insightText

    contentItem: RowLayout {
        spacing: Theme.spacing
        ColumnLayout {
            Layout.fillWidth: true
            spacing: 2
            RowLayout {
                Layout.fillWidth: true
                Label {
                    text: root.kindLabel
                    font.weight: Font.Medium
                    font.capitalization: Font.AllUppercase
                    font.pixelSize: 12
                    color: Theme.subtleText
                }
                Label {
                    visible: root.importance > 0
                    text: "\u2605".repeat(root.importance)
                    font.pixelSize: 12
                    Accessible.name: qsTr("Importance %1 of 5").arg(root.importance)
                }
                Label {
                    visible: root.published
                    text: qsTr("Published")
                    color: Theme.success
                    font.pixelSize: 12
                }
                Item {
                    Layout.fillWidth: true
                }
                Label {
                    visible: root.showAccount && root.accountName.length > 0
                    text: root.accountName
                    color: Theme.subtleText
                    font.pixelSize: 12
                    elide: Label.ElideRight
                }
            }
            Label {
                Layout.fillWidth: true
                text: root.insightText
                wrapMode: Text.WordWrap
                maximumLineCount: 4
                elide: Label.ElideRight
            }
            Label {
                Layout.fillWidth: true
                visible: root.quote.length > 0
                text: "\u201C" + root.quote + "\u201D"
                font.italic: true
                color: Theme.subtleText
                wrapMode: Text.WordWrap
                maximumLineCount: 3
                elide: Label.ElideRight
            }
            Label {
                Layout.fillWidth: true
                visible: root.tagNames.length > 0
                text: root.tagNames
                color: Theme.subtleText
                font.pixelSize: 12
                elide: Label.ElideRight
            }
        }
        Button {
            objectName: "publishButton_" + root.index
            visible: root.showPublish
            text: root.published ? qsTr("Unpublish") : qsTr("Publish\u2026")
            flat: root.published
            implicitHeight: Theme.hitTarget
            Accessible.name: root.published ? qsTr("Unpublish this insight") : qsTr("Review and publish to sales")
            onClicked: root.published ? root.unpublishRequested(root.insightId) : root.publishRequested(root.insightId)
        }
        ToolButton {
            objectName: "deleteInsightButton_" + root.index
            visible: root.showDelete
            text: "\u2715"
            implicitWidth: Theme.hitTarget
            implicitHeight: Theme.hitTarget
            Accessible.name: qsTr("Delete this insight")
            onClicked: root.deleteRequested(root.insightId)
        }
    }
}
