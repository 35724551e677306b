pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Fieldnotes

// One account: its details (edited in place, saved when a field is left), contacts, open leads, conversations
// and insights.
Page {
    id: root

    property string accountId
    property bool showBack: false
    property var fields: ({})

    signal backClicked
    signal openConversation(string conversationId)

    function reload() {
        fields = accountId.length > 0 ? actions.fields("account", accountId) : {}
    }
    function saveField(name, value) {
        if ((fields[name] || "") === value.trim())
            return
        const change = {}
        change[name] = value
        actions.save("account", accountId, change)
        reload()
    }

    objectName: "accountPage"
    onAccountIdChanged: reload()
    Component.onCompleted: reload()

    RecordActions {
        id: actions
        session: AppSession
    }
    PublishReviewDialog {
        id: publishDialog
        actions: actions
    }

    header: AppHeader {
        title: root.fields.name || qsTr("Account")
        showBack: root.showBack
        onBackClicked: root.backClicked()
    }

    Flickable {
        id: flick
        anchors.fill: parent
        contentHeight: content.implicitHeight + 2 * Theme.margin
        clip: true
        ScrollBar.vertical: ScrollBar {}

        ColumnLayout {
            id: content
            x: Theme.margin
            y: Theme.margin
            width: flick.width - 2 * Theme.margin
            spacing: Theme.spacing

            GridLayout {
                Layout.fillWidth: true
                columns: root.width >= Theme.wideWidth ? 3 : 1
                TextField {
                    objectName: "accountNameField"
                    Layout.fillWidth: true
                    implicitHeight: Theme.hitTarget
                    text: root.fields.name || ""
                    placeholderText: qsTr("Name")
                    Accessible.name: qsTr("Account name")
                    onEditingFinished: if (text.trim().length > 0) root.saveField("name", text)
                }
                TextField {
                    objectName: "accountDomainField"
                    Layout.fillWidth: true
                    implicitHeight: Theme.hitTarget
                    text: root.fields.domain || ""
                    placeholderText: qsTr("Web domain")
                    Accessible.name: qsTr("Web domain")
                    onEditingFinished: root.saveField("domain", text)
                }
                TextField {
                    objectName: "accountSegmentField"
                    Layout.fillWidth: true
                    implicitHeight: Theme.hitTarget
                    text: root.fields.segment || ""
                    placeholderText: qsTr("Segment")
                    Accessible.name: qsTr("Segment")
                    onEditingFinished: root.saveField("segment", text)
                }
            }
            Label {
                visible: actions.errorMessage.length > 0
                text: actions.errorMessage
                color: Theme.warning
                wrapMode: Text.WordWrap
                Layout.fillWidth: true
            }

            Label {
                text: qsTr("Contacts")
                font.weight: Font.Medium
                Layout.topMargin: Theme.margin
            }
            Repeater {
                model: RecordListModel {
                    session: AppSession
                    entity: "contact"
                    accountId: root.accountId
                }
                delegate: Label {
                    required property string name
                    required property string detail
                    Layout.fillWidth: true
                    text: detail.length > 0 ? name + " · " + detail : name
                    elide: Label.ElideRight
                }
            }
            RowLayout {
                Layout.fillWidth: true
                TextField {
                    id: contactName
                    objectName: "accountNewContactName"
                    Layout.fillWidth: true
                    implicitHeight: Theme.hitTarget
                    placeholderText: qsTr("New contact's name")
                    Accessible.name: qsTr("New contact's name")
                }
                TextField {
                    id: contactTitle
                    Layout.fillWidth: true
                    implicitHeight: Theme.hitTarget
                    placeholderText: qsTr("Title")
                    Accessible.name: qsTr("New contact's title")
                }
                Button {
                    objectName: "accountAddContact"
                    text: qsTr("Add")
                    implicitHeight: Theme.hitTarget
                    enabled: contactName.text.trim().length > 0
                    Accessible.name: qsTr("Add the contact")
                    onClicked: {
                        if (actions.save("contact", "", { account_id: root.accountId, name: contactName.text,
                                                          title: contactTitle.text }).length > 0) {
                            contactName.clear()
                            contactTitle.clear()
                        }
                    }
                }
            }

            Label {
                text: qsTr("Open leads")
                font.weight: Font.Medium
                Layout.topMargin: Theme.margin
                visible: leads.count > 0
            }
            Repeater {
                model: RecordListModel {
                    id: leads
                    session: AppSession
                    entity: "lead"
                    accountId: root.accountId
                    status: "open"
                }
                delegate: Label {
                    required property string name
                    Layout.fillWidth: true
                    text: "\u2192 " + name
                    wrapMode: Text.WordWrap
                }
            }

            Label {
                text: qsTr("Conversations")
                font.weight: Font.Medium
                Layout.topMargin: Theme.margin
            }
            Repeater {
                model: ConversationListModel {
                    id: conversations
                    session: AppSession
                    accountId: root.accountId.length > 0 ? root.accountId : "-"
                }
                delegate: ConversationDelegate {
                    Layout.fillWidth: true
                    onClicked: root.openConversation(conversationId)
                }
            }
            Label {
                visible: conversations.count === 0
                text: qsTr("No conversations with this account yet.")
                color: Theme.subtleText
            }

            Label {
                text: qsTr("Insights")
                font.weight: Font.Medium
                Layout.topMargin: Theme.margin
            }
            Repeater {
                model: InsightListModel {
                    id: insights
                    session: AppSession
                    accountId: root.accountId.length > 0 ? root.accountId : "-"
                }
                delegate: InsightDelegate {
                    Layout.fillWidth: true
                    showAccount: false
                    onPublishRequested: id => publishDialog.review(id)
                    onUnpublishRequested: id => actions.setPublished(id, false)
                }
            }
            Label {
                visible: insights.count === 0
                text: qsTr("No insights for this account yet.")
                color: Theme.subtleText
            }
        }
    }
}
