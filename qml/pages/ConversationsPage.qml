pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Fieldnotes

// Conversations: the list (newest first, or by search), filters, and the capture page beside it (wide) or
// instead of it (narrow).
Page {
    id: root

    property string selectedId
    readonly property bool wide: width >= Theme.wideWidth
    readonly property alias model: conversations

    function newConversation() {
        const id = creator.createNew()
        if (id.length > 0)
            selectedId = id
    }
    function focusSearch() {
        selectedId = wide ? selectedId : ""
        search.forceActiveFocus()
        search.selectAll()
    }
    function open(conversationId) {
        selectedId = conversationId
    }

    objectName: "conversationsPage"

    ConversationEditor {
        id: creator
        session: AppSession
    }
    ConversationListModel {
        id: conversations
        session: AppSession
    }
    AccountListModel {
        id: accountChoices
        session: AppSession
    }
    RecordListModel {
        id: tagChoices
        session: AppSession
        entity: "tag"
    }

    RowLayout {
        anchors.fill: parent
        spacing: 0

        Page {
            id: listPane
            Layout.fillHeight: true
            Layout.fillWidth: !root.wide
            Layout.preferredWidth: root.wide ? Theme.listPaneWidth : -1
            visible: root.wide || root.selectedId.length === 0

            header: AppHeader {
                title: qsTr("Conversations")
                ToolButton {
                    objectName: "filterToggle"
                    text: "\u25BD" // a funnel; the fonts we ship with have no filter glyph
                    checkable: true
                    checked: filters.visible
                    implicitWidth: Theme.hitTarget
                    implicitHeight: Theme.hitTarget
                    Accessible.name: qsTr("Filters")
                    onClicked: filters.visible = !filters.visible
                    ToolTip.visible: hovered
                    ToolTip.text: qsTr("Filters")
                }
                ToolButton {
                    objectName: "newConversationButton"
                    text: "+"
                    font.pixelSize: 24
                    implicitWidth: Theme.hitTarget
                    implicitHeight: Theme.hitTarget
                    Accessible.name: qsTr("New conversation")
                    onClicked: root.newConversation()
                    ToolTip.visible: hovered
                    ToolTip.text: qsTr("New conversation (Ctrl+N)")
                }
            }

            ColumnLayout {
                anchors.fill: parent
                spacing: 0

                TextField {
                    id: search
                    objectName: "conversationSearchField"
                    Layout.fillWidth: true
                    Layout.margins: Theme.spacing
                    placeholderText: qsTr("Search notes and insights (Ctrl+F)")
                    selectByMouse: true
                    inputMethodHints: Qt.ImhNoPredictiveText
                    Accessible.name: qsTr("Search conversations")
                    onTextChanged: conversations.searchText = text
                }

                Label {
                    // After a large sync the search text of the pulled records is indexed in the background
                    // (decision 0027): until then a search may miss them, and says so.
                    objectName: "searchCatchingUp"
                    Layout.fillWidth: true
                    Layout.leftMargin: Theme.spacing
                    Layout.rightMargin: Theme.spacing
                    visible: search.text.length > 0 && AppSync.searchBacklog > 0
                    wrapMode: Text.Wrap
                    font.italic: true
                    text: qsTr("Still indexing %n record(s) from the last sync: results may be incomplete.", "",
                               AppSync.searchBacklog)
                }

                GridLayout {
                    id: filters
                    objectName: "filterPanel"
                    Layout.fillWidth: true
                    Layout.leftMargin: Theme.spacing
                    Layout.rightMargin: Theme.spacing
                    visible: false
                    columns: 2
                    ComboBox {
                        objectName: "accountFilter"
                        Layout.fillWidth: true
                        Layout.columnSpan: 2
                        implicitHeight: Theme.hitTarget
                        model: accountChoices
                        textRole: "name"
                        valueRole: "accountId"
                        displayText: currentIndex < 0 ? qsTr("All accounts") : currentText
                        currentIndex: -1
                        Accessible.name: qsTr("Filter by account")
                        onActivated: conversations.accountId = currentValue
                    }
                    ComboBox {
                        objectName: "tagFilter"
                        Layout.fillWidth: true
                        implicitHeight: Theme.hitTarget
                        model: tagChoices
                        textRole: "name"
                        valueRole: "recordId"
                        displayText: currentIndex < 0 ? qsTr("All tags") : "#" + currentText
                        currentIndex: -1
                        Accessible.name: qsTr("Filter by tag")
                        onActivated: conversations.tagId = currentValue
                    }
                    ComboBox {
                        objectName: "kindFilter"
                        Layout.fillWidth: true
                        implicitHeight: Theme.hitTarget
                        model: creator.kinds
                        displayText: currentIndex < 0 ? qsTr("All kinds") : creator.kindLabel(currentText)
                        currentIndex: -1
                        Accessible.name: qsTr("Filter by insight kind")
                        onActivated: conversations.kind = currentText
                    }
                    TextField {
                        objectName: "fromDateField"
                        Layout.fillWidth: true
                        implicitHeight: Theme.hitTarget
                        placeholderText: qsTr("From yyyy-mm-dd")
                        validator: RegularExpressionValidator { regularExpression: /^$|^\d{4}-\d{2}-\d{2}$/ }
                        Accessible.name: qsTr("From date")
                        onEditingFinished: conversations.fromDate = text
                    }
                    TextField {
                        objectName: "toDateField"
                        Layout.fillWidth: true
                        implicitHeight: Theme.hitTarget
                        placeholderText: qsTr("To yyyy-mm-dd")
                        validator: RegularExpressionValidator { regularExpression: /^$|^\d{4}-\d{2}-\d{2}$/ }
                        Accessible.name: qsTr("To date")
                        onEditingFinished: conversations.toDate = text
                    }
                    Button {
                        objectName: "clearFiltersButton"
                        Layout.columnSpan: 2
                        Layout.alignment: Qt.AlignRight
                        flat: true
                        implicitHeight: Theme.hitTarget
                        text: qsTr("Clear filters")
                        enabled: conversations.filtered
                        Accessible.name: text
                        onClicked: {
                            conversations.clearFilters()
                            for (const child of filters.children) {
                                if (child instanceof ComboBox)
                                    child.currentIndex = -1
                                else if (child instanceof TextField)
                                    child.clear()
                            }
                        }
                    }
                }

                Item {
                    Layout.fillWidth: true
                    Layout.fillHeight: true

                    ListView {

                        anchors.fill: parent
                        id: list
                        objectName: "conversationList"
                        // A keystroke of a search can replace most rows: the delegates of rows that leave serve the
                        // rows that come in (their required properties set anew) instead of being destroyed and
                        // built again, which was most of such a frame's polish (docs/performance.md).
                        reuseItems: true
                        clip: true
                        model: conversations
                        ScrollBar.vertical: ScrollBar {}
                        delegate: ConversationDelegate {
                            selected: conversationId === root.selectedId
                            onClicked: root.selectedId = conversationId
                        }
                    }
                        EmptyState {
                            anchors.fill: parent
                            visible: list.count === 0
                            text: conversations.searchText.length > 0 || conversations.filtered
                                  ? qsTr("Nothing matches.")
                                  : qsTr("No conversations yet. Tap + to capture one.")
                        }

                }
            }
        }

        Rectangle {
            Layout.fillHeight: true
            implicitWidth: 1
            color: Theme.divider
            visible: root.wide
        }

        BoundLoader {
            Layout.fillWidth: true
            Layout.fillHeight: true
            visible: root.wide || root.selectedId.length > 0
            active: root.selectedId.length > 0
            sourceComponent: CapturePage {
                conversationId: root.selectedId
                showBack: !root.wide
                onBackClicked: root.selectedId = ""
                onDeleted: root.selectedId = ""
            }
            EmptyState {
                anchors.fill: parent
                visible: root.selectedId.length === 0
                text: qsTr("Pick a conversation, or start a new one with +.")
            }
        }
    }
}
