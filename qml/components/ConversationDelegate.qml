import QtQuick
import QtQuick.Controls
import Fieldnotes

// One row of the conversations list: title, account, date, channel, insight count, and a search snippet.
// The labels are placed with plain bindings rather than Layouts: the rows change with every keystroke of a search,
// and the two Layouts of each row, recomputed on every text change, were a third of such a frame's polish
// (fieldnotes-bench app, docs/performance.md). They are the delegate's own children, in its padding, so that the contentItem (which
// only gives the height) has no ids and stays deferred. What it draws is what the Layouts drew, pixel for pixel.
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
    readonly property int lineSpacing: 2

    width: ListView.view ? ListView.view.width : implicitWidth
    objectName: "conversation_" + index
    highlighted: selected
    Accessible.name: (title || qsTr("Untitled conversation")) + ", " + accountName + ", " + dateText

    // The height of the labels below. No implicit width: a row is as wide as its list or layout, and asking the
    // labels for theirs would lay each text out a second time, unwrapped.
    contentItem: Item {
        implicitHeight: (snippetLabel.visible ? snippetLabel.y + snippetLabel.height
                                              : accountLabel.y + accountLabel.height) - root.topPadding
    }

    Label {
        id: titleLabel
        x: root.leftPadding
        y: root.topPadding
        width: root.availableWidth - 5 - dateLabel.width
        text: root.title || qsTr("Untitled conversation")
        font.weight: Font.Medium
        elide: Label.ElideRight
    }
    Label {
        id: dateLabel
        x: root.leftPadding + root.availableWidth - width
        y: root.topPadding + Math.round((titleLabel.height - height) / 2)
        width: Math.ceil(implicitWidth)
        text: root.dateText
        color: Theme.subtleText
        font.pixelSize: 12
    }
    Label {
        id: accountLabel
        objectName: "conversationDetails"
        x: root.leftPadding
        y: root.topPadding + Math.max(titleLabel.height, dateLabel.height) + root.lineSpacing
        width: root.availableWidth
        text: (root.accountName || qsTr("No account")) + " · " + root.channelLabel + " · "
              + qsTr("%n insight(s)", "", root.insightCount)
        color: Theme.subtleText
        elide: Label.ElideRight
        font.pixelSize: 13
    }
    Label {
        id: snippetLabel
        x: root.leftPadding
        y: accountLabel.y + accountLabel.height + root.lineSpacing
        width: root.availableWidth
        visible: root.snippetHtml.length > 0
        text: root.snippetHtml
        textFormat: Text.StyledText
        wrapMode: Text.WordWrap
        maximumLineCount: 2
        elide: Label.ElideRight
        font.pixelSize: 13
    }
}
