pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Fieldnotes

// Accounts: the list with search, the account page beside it (wide) or instead of it (narrow), and the tags.
Page {
    id: root

    property string selectedId
    property bool showTags: false
    // The signed-in role: sales reads the briefs, marketing also edits (tests set it).
    property string role: AppSync.role
    readonly property bool wide: width >= Theme.wideWidth
    readonly property bool detailOpen: selectedId.length > 0 || showTags

    signal openConversation(string conversationId)
    signal openLead(string leadId)
    signal newLeadRequested(string accountId)

    function newAccount() {
        newAccountDialog.open()
    }
    function focusSearch() {
        search.forceActiveFocus()
    }

    objectName: "accountsPage"

    RecordActions {
        id: actions
        session: AppSession
        role: root.role
    }
    RolePolicy {
        id: policy
        role: root.role
    }

    // Deleting an account takes its contacts with it; conversations, insights and leads stay (decision 0012).
    ConfirmDeleteDialog {
        id: deleteAccountDialog
        objectName: "deleteAccountDialog"
        property string accountId
        property string accountName
        property int contactCount: 0
        title: qsTr("Delete %1?").arg(accountName)
        message: qsTr("The account is deleted on every device of your team once this device syncs.") + " "
                 + (contactCount > 0 ? qsTr("Its %n contact(s) go with it.", "", contactCount) + " " : "")
                 + qsTr("Its conversations, insights and leads stay, without an account.")
        onConfirmed: {
            if (!actions.removeAccount(accountId)) {
                errorText = actions.errorMessage
                open()
            } else if (root.selectedId === accountId) {
                root.selectedId = ""
            }
        }
    }

    Dialog {
        id: newAccountDialog
        objectName: "newAccountDialog"
        title: qsTr("New account")
        modal: true
        anchors.centerIn: Overlay.overlay
        width: Math.min(420, root.width - 2 * Theme.margin)
        standardButtons: Dialog.Cancel | Dialog.Save
        onAboutToShow: {
            nameField.clear()
            domainField.clear()
            segmentField.clear()
            nameField.forceActiveFocus()
        }
        onAccepted: {
            const id = actions.save("account", "", { name: nameField.text, domain: domainField.text,
                                                     segment: segmentField.text })
            if (id.length > 0) {
                root.showTags = false
                root.selectedId = id
            }
        }
        ColumnLayout {
            anchors.fill: parent
            TextField {
                id: nameField
                objectName: "newAccountName"
                Layout.fillWidth: true
                placeholderText: qsTr("Name")
                Accessible.name: qsTr("Account name")
            }
            TextField {
                id: domainField
                objectName: "newAccountDomain"
                Layout.fillWidth: true
                placeholderText: qsTr("Web domain, e.g. example.com")
                Accessible.name: qsTr("Web domain")
            }
            TextField {
                id: segmentField
                objectName: "newAccountSegment"
                Layout.fillWidth: true
                placeholderText: qsTr("Segment")
                Accessible.name: qsTr("Segment")
            }
        }
    }

    RowLayout {
        anchors.fill: parent
        spacing: 0

        Page {
            Layout.fillHeight: true
            Layout.fillWidth: !root.wide
            Layout.preferredWidth: root.wide ? Theme.listPaneWidth : -1
            visible: root.wide || !root.detailOpen
            header: AppHeader {
                title: qsTr("Accounts")
                ToolButton {
                    objectName: "tagsButton"
                    visible: policy.canEdit
                    text: "#"
                    font.pixelSize: 20
                    implicitWidth: Theme.hitTarget
                    implicitHeight: Theme.hitTarget
                    Accessible.name: qsTr("Tags")
                    onClicked: {
                        root.selectedId = ""
                        root.showTags = true
                    }
                    ToolTip.visible: hovered
                    ToolTip.text: qsTr("Tags")
                }
                ToolButton {
                    objectName: "newAccountButton"
                    visible: policy.canEdit
                    text: "+"
                    font.pixelSize: 24
                    implicitWidth: Theme.hitTarget
                    implicitHeight: Theme.hitTarget
                    Accessible.name: qsTr("New account")
                    onClicked: root.newAccount()
                }
            }
            ColumnLayout {
                anchors.fill: parent
                spacing: 0
                TextField {
                    id: search
                    objectName: "accountSearchField"
                    Layout.fillWidth: true
                    Layout.margins: Theme.spacing
                    placeholderText: qsTr("Search accounts")
                    selectByMouse: true
                    Accessible.name: qsTr("Search accounts")
                }
                Item {
                    Layout.fillWidth: true
                    Layout.fillHeight: true
                    ListView {
                        anchors.fill: parent
                        id: list
                        objectName: "accountList"
                        clip: true
                        ScrollBar.vertical: ScrollBar {}
                        model: AccountListModel {
                            session: AppSession
                            filterText: search.text
                        }
                        delegate: ItemDelegate {
                            id: row
                            required property int index
                            required property string accountId
                            required property string name
                            required property string segment
                            required property int conversationCount
                            required property int insightCount
                            required property int openLeadCount
                            objectName: "account_" + index
                            width: ListView.view.width
                            highlighted: accountId === root.selectedId
                            Accessible.name: name
                            onClicked: {
                                root.showTags = false
                                root.selectedId = accountId
                            }
                            contentItem: RowLayout {
                                spacing: Theme.spacing
                                ColumnLayout {
                                    Layout.fillWidth: true
                                    spacing: 2
                                    Label {
                                        Layout.fillWidth: true
                                        text: row.name
                                        font.weight: Font.Medium
                                        elide: Label.ElideRight
                                    }
                                    Label {
                                        objectName: "accountSummary"
                                        Layout.fillWidth: true
                                        text: (row.segment.length > 0 ? row.segment + " · " : "")
                                              + (policy.canCapture ? qsTr("%n conversation(s)", "", row.conversationCount) + " · " : "")
                                              + qsTr("%n insight(s)", "", row.insightCount)
                                              + (row.openLeadCount > 0 ? " · " + qsTr("%n open lead(s)", "", row.openLeadCount) : "")
                                        color: Theme.subtleText
                                        font.pixelSize: 13
                                        elide: Label.ElideRight
                                    }
                                }
                                ToolButton {
                                    objectName: "deleteAccount_" + row.index
                                    visible: policy.canEdit
                                    text: "\u2715"
                                    implicitWidth: Theme.hitTarget
                                    implicitHeight: Theme.hitTarget
                                    Accessible.name: qsTr("Delete the account %1").arg(row.name)
                                    onClicked: {
                                        deleteAccountDialog.accountId = row.accountId
                                        deleteAccountDialog.accountName = row.name
                                        deleteAccountDialog.contactCount = actions.contactCount(row.accountId)
                                        deleteAccountDialog.errorText = ""
                                        deleteAccountDialog.open()
                                    }
                                }
                            }
                        }
                    }
                        EmptyState {
                            anchors.fill: parent
                            visible: list.count === 0
                            text: search.text.length > 0 ? qsTr("No account matches.")
                                  : policy.canEdit ? qsTr("No accounts yet. Tap + to add one.")
                                                   : qsTr("No accounts yet. They arrive when this device syncs.")
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
            visible: root.wide || root.detailOpen
            sourceComponent: root.showTags ? tagsComponent : root.selectedId.length > 0 ? accountComponent : null
            EmptyState {
                anchors.fill: parent
                visible: !root.detailOpen
                text: qsTr("Pick an account to see its brief: leads, insights, quotes and contacts.")
            }
        }
    }

    Component {
        id: accountComponent
        AccountPage {
            accountId: root.selectedId
            showBack: !root.wide
            onBackClicked: root.selectedId = ""
            role: root.role
            onOpenConversation: id => root.openConversation(id)
            onOpenLead: id => root.openLead(id)
            onNewLeadRequested: id => root.newLeadRequested(id)
        }
    }
    Component {
        id: tagsComponent
        TagsPage {
            showBack: !root.wide
            onBackClicked: root.showTags = false
        }
    }
}
