pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Fieldnotes

// The toolbar on every page: back, title, the page's actions, and the slot for the sync status indicator.
ToolBar {
    id: root

    property string title
    property bool showBack: false
    default property alias actions: actionRow.data

    signal backClicked

    RowLayout {
        id: row
        anchors.fill: parent
        anchors.leftMargin: Theme.spacing
        anchors.rightMargin: Theme.spacing
        spacing: 0

        ToolButton {
            id: back
            objectName: "backButton"
            visible: root.showBack
            text: "\u2190"
            font.pixelSize: 22
            implicitWidth: Theme.hitTarget
            implicitHeight: Theme.hitTarget
            Accessible.name: qsTr("Back")
            onClicked: root.backClicked()
        }
        Label {
            id: titleLabel
            objectName: "headerTitle"
            Layout.fillWidth: true
            Layout.leftMargin: root.showBack ? 0 : Theme.spacing
            text: root.title
            elide: Label.ElideRight
            font.pixelSize: 20
            font.weight: Font.Medium
            Accessible.role: Accessible.Heading
        }
        RowLayout {
            id: actionRow
            spacing: 0
        }
        // The sync status on every page of the app's window (a page a test shows on its own has none). Where the
        // title would not fit beside its label (a list pane beside a page, a narrow phone), the glyph alone: the title
        // says where you are; the label stays in the tooltip and the accessible name.
        SyncIndicator {
            visible: root.ApplicationWindow.window !== null
            compact: (root.showBack ? back.implicitWidth : 0) + titleLabel.Layout.leftMargin + titleLabel.implicitWidth
                     + actionRow.implicitWidth + fullWidth > row.width
        }
    }
}
