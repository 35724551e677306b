import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Fieldnotes

// One row of the conversations list: title, account, date, channel, insight count, and a search snippet.
ItemDelegate {
    id: root

    required property int index
    required property string conversationId
    required property string title
    required property string accountName
    required property string dateText
    required property string channelLabel
    required property int insightCount
    required property string snippetHtml
    property bool selected: false

    width: ListView.view ? ListView.view.width : implicitWidth
    objectName: "conversation_" + index
    highlighted: selected
    Accessible.name: (title || qsTr("Untitled conversation")) + ", " + accountName + ", " + dateText

    contentItem: ColumnLayout {
        spacing: 2
        RowLayout {
            Layout.fillWidth: true
            Label {
                Layout.fillWidth: true
                text: root.title || qsTr("Untitled conversation")
                font.weight: Font.Medium
                elide: Label.ElideRight
            }
            Label {
                text: root.dateText
                color: Theme.subtleText
                font.pixelSize: 12
            }
        }
        Label {
            Layout.fillWidth: true
            text: (root.accountName || qsTr("No account")) + " · " + root.channelLabel + " · "
                  + qsTr("%n insight(s)", "", root.insightCount)
            color: Theme.subtleText
            elide: Label.ElideRight
            font.pixelSize: 13
        }
        Label {
            Layout.fillWidth: true
            visible: root.snippetHtml.length > 0
            text: root.snippetHtml
            textFormat: Text.StyledText
            wrapMode: Text.WordWrap
            maximumLineCount: 2
            elide: Label.ElideRight
            font.pixelSize: 13
        }
    }
}
