pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Fieldnotes

// One account's brief, what a sales rep reads before a call: open leads, insights grouped by kind, the latest
// quotes, contacts and the last conversation (AccountBrief builds it in C++; the exports render the same content).
// Marketers also edit the account and its contacts, publish insights and see every conversation; a sales rep
// reads only.
Page {
    id: root

    property string accountId
    property bool showBack: false
    // The signed-in role decides what the page offers (tests set it).
    property string role: AppSync.role
    property var fields: ({})
    property string exportMessage
    readonly property alias brief: brief

    signal backClicked
    signal openConversation(string conversationId)
    signal openLead(string leadId)
    signal newLeadRequested(string accountId)

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
    // "markdown" or "pdf" to a file: URL; the result is shown under the header.
    function exportTo(format, file) {
        const ok = format === "pdf" ? brief.exportPdf(file) : brief.exportMarkdown(file)
        exportMessage = ok ? qsTr("Saved to %1").arg(brief.displayPath(file)) : brief.errorMessage
        return ok
    }
    function chooseExportFile(format) {
        exportDialog.format = format
        exportDialog.selectedFile = brief.suggestedFileUrl(format === "pdf" ? "pdf" : "md")
        exportDialog.open()
    }

    objectName: "accountPage"
    onAccountIdChanged: {
        exportMessage = ""
        reload()
    }
    Component.onCompleted: reload()

    RolePolicy {
        id: policy
        role: root.role
    }
    RecordActions {
        id: actions
        session: AppSession
        role: root.role
    }
    AccountBrief {
        id: brief
        session: AppSession
        accountId: root.accountId
        // A sales rep's store holds published insights only; a marketer may preview what sales sees.
        publishedOnly: salesViewSwitch.checked || !policy.canEdit
    }
    PublishReviewDialog {
        id: publishDialog
        actions: actions
    }
    SaveFileDialog {
        id: exportDialog
        property string format: "markdown"
        objectName: "briefExportDialog"
        title: format === "pdf" ? qsTr("Export the brief as PDF") : qsTr("Export the brief as Markdown")
        acceptLabel: qsTr("Export")
        nameFilters: format === "pdf" ? [qsTr("PDF documents (*.pdf)")] : [qsTr("Markdown (*.md)")]
        onAccepted: root.exportTo(format, selectedFile)
    }

    header: AppHeader {
        title: brief.name || qsTr("Account")
        showBack: root.showBack
        onBackClicked: root.backClicked()
        ToolButton {
            id: exportButton
            objectName: "briefExportButton"
            enabled: brief.found
            text: qsTr("Export")
            implicitHeight: Theme.hitTarget
            implicitWidth: Math.max(Theme.hitTarget, implicitContentWidth + leftPadding + rightPadding)
            Accessible.name: qsTr("Export the brief")
            onClicked: exportMenu.popup(exportButton, 0, exportButton.height)
            Menu {
                id: exportMenu
                objectName: "briefExportMenu"
                MenuItem {
                    objectName: "briefExportMarkdown"
                    text: qsTr("Markdown\u2026")
                    implicitHeight: Theme.hitTarget
                    onTriggered: root.chooseExportFile("markdown")
                }
                MenuItem {
                    objectName: "briefExportPdf"
                    text: qsTr("PDF\u2026")
                    implicitHeight: Theme.hitTarget
                    onTriggered: root.chooseExportFile("pdf")
                }
            }
        }
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
            width: Math.min(flick.width - 2 * Theme.margin, 860)
            spacing: Theme.spacing

            Label {
                objectName: "briefSubtitle"
                Layout.fillWidth: true
                visible: text.length > 0
                text: brief.subtitle
                color: Theme.subtleText
                wrapMode: Text.WordWrap
            }
            Label {
                objectName: "briefExportMessage"
                Layout.fillWidth: true
                visible: root.exportMessage.length > 0
                text: root.exportMessage
                color: brief.errorMessage.length > 0 ? Theme.warning : Theme.success
                wrapMode: Text.WrapAnywhere
            }

            // Marketers: the account's details and what sales will see.
            RowLayout {
                Layout.fillWidth: true
                visible: policy.canEdit
                Switch {
                    id: salesViewSwitch
                    objectName: "briefSalesViewSwitch"
                    Layout.fillWidth: true
                    text: qsTr("Only what sales sees")
                    implicitHeight: Theme.hitTarget
                    Accessible.name: qsTr("Show only published insights, as sales sees them")
                }
                Button {
                    objectName: "accountEditToggle"
                    flat: true
                    checkable: true
                    checked: details.visible
                    implicitHeight: Theme.hitTarget
                    text: qsTr("Edit details")
                    Accessible.name: text
                    onClicked: details.visible = !details.visible
                }
            }
            GridLayout {
                id: details
                Layout.fillWidth: true
                visible: false
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
                visible: actions.errorMessage.length > 0 || brief.errorMessage.length > 0
                text: actions.errorMessage.length > 0 ? actions.errorMessage : brief.errorMessage
                color: Theme.warning
                wrapMode: Text.WordWrap
                Layout.fillWidth: true
            }

            // Open leads: what marketing wants sales to do here.
            RowLayout {
                Layout.fillWidth: true
                Layout.topMargin: Theme.spacing
                Label {
                    Layout.fillWidth: true
                    text: qsTr("Open leads")
                    font.pixelSize: 18
                    font.weight: Font.Medium
                    Accessible.role: Accessible.Heading
                }
                Button {
                    objectName: "briefNewLeadButton"
                    visible: policy.canEdit
                    flat: true
                    implicitHeight: Theme.hitTarget
                    text: qsTr("New lead")
                    Accessible.name: qsTr("New lead for this account")
                    onClicked: root.newLeadRequested(root.accountId)
                }
            }
            Repeater {
                model: brief.openLeads
                delegate: ItemDelegate {
                    id: leadRow
                    required property var modelData
                    required property int index
                    objectName: "briefLead_" + index
                    Layout.fillWidth: true
                    Accessible.name: modelData.recommendation
                    onClicked: root.openLead(modelData.leadId)
                    contentItem: ColumnLayout {
                        spacing: 2
                        Label {
                            Layout.fillWidth: true
                            text: "\u2192 " + leadRow.modelData.recommendation
                            wrapMode: Text.WordWrap
                        }
                        Label {
                            Layout.fillWidth: true
                            visible: text.length > 0
                            text: leadRow.modelData.labels
                            color: Theme.subtleText
                            font.pixelSize: 12
                        }
                    }
                }
            }
            Label {
                visible: brief.openLeads.length === 0
                text: qsTr("No open leads.")
                color: Theme.subtleText
            }

            // Insights by kind.
            Label {
                Layout.topMargin: Theme.margin
                text: qsTr("What we know")
                font.pixelSize: 18
                font.weight: Font.Medium
                Accessible.role: Accessible.Heading
            }
            Label {
                visible: brief.groups.length === 0
                Layout.fillWidth: true
                text: policy.canEdit ? qsTr("No insights for this account yet.")
                                     : qsTr("No published insights for this account yet.")
                color: Theme.subtleText
                wrapMode: Text.WordWrap
            }
            Repeater {
                model: brief.groups
                delegate: ColumnLayout {
                    id: group
                    required property var modelData
                    objectName: "briefGroup_" + modelData.kind
                    Layout.fillWidth: true
                    spacing: 2
                    Label {
                        Layout.topMargin: Theme.spacing
                        text: group.modelData.title
                        font.weight: Font.Medium
                        font.capitalization: Font.AllUppercase
                        font.pixelSize: 13
                        color: Theme.subtleText
                    }
                    Repeater {
                        model: group.modelData.insights
                        delegate: RowLayout {
                            id: insightRow
                            required property var modelData
                            Layout.fillWidth: true
                            spacing: Theme.spacing
                            Label {
                                Layout.fillWidth: true
                                Layout.alignment: Qt.AlignVCenter
                                Layout.minimumHeight: policy.canEdit ? Theme.hitTarget : 0
                                verticalAlignment: Text.AlignVCenter
                                text: "\u2022 " + insightRow.modelData.text
                                      + (insightRow.modelData.importance > 0 ? "  " + "\u2605".repeat(insightRow.modelData.importance) : "")
                                wrapMode: Text.WordWrap
                                Accessible.name: insightRow.modelData.text
                            }
                            Label {
                                visible: policy.canEdit && !insightRow.modelData.published
                                text: qsTr("Not published")
                                color: Theme.subtleText
                                font.pixelSize: 12
                            }
                            Button {
                                visible: policy.canEdit
                                flat: true
                                implicitHeight: Theme.hitTarget
                                text: insightRow.modelData.published ? qsTr("Unpublish") : qsTr("Publish\u2026")
                                Accessible.name: insightRow.modelData.published ? qsTr("Unpublish this insight")
                                                                                : qsTr("Review and publish to sales")
                                onClicked: insightRow.modelData.published
                                           ? actions.setPublished(insightRow.modelData.insightId, false)
                                           : publishDialog.review(insightRow.modelData.insightId)
                            }
                        }
                    }
                }
            }

            // The newest quotes, in the customer's words.
            Label {
                Layout.topMargin: Theme.margin
                visible: brief.quotes.length > 0
                text: qsTr("Latest quotes")
                font.pixelSize: 18
                font.weight: Font.Medium
                Accessible.role: Accessible.Heading
            }
            Repeater {
                model: brief.quotes
                delegate: Label {
                    required property var modelData
                    Layout.fillWidth: true
                    Layout.leftMargin: Theme.spacing
                    text: "\u201C" + modelData.quote + "\u201D \u2014 " + modelData.kindLabel
                    font.italic: true
                    wrapMode: Text.WordWrap
                }
            }

            // Contacts.
            Label {
                Layout.topMargin: Theme.margin
                text: qsTr("Contacts")
                font.pixelSize: 18
                font.weight: Font.Medium
                Accessible.role: Accessible.Heading
            }
            Repeater {
                model: brief.contacts
                delegate: Label {
                    required property var modelData
                    Layout.fillWidth: true
                    text: "<b>" + modelData.name.replace(/&/g, "&amp;").replace(/</g, "&lt;") + "</b>"
                          + (modelData.details.length > 0
                             ? " \u00B7 " + modelData.details.replace(/&/g, "&amp;").replace(/</g, "&lt;") : "")
                    textFormat: Text.StyledText
                    wrapMode: Text.WordWrap
                }
            }
            Label {
                visible: brief.contacts.length === 0
                text: qsTr("No contacts yet.")
                color: Theme.subtleText
            }
            GridLayout {
                Layout.fillWidth: true
                visible: policy.canEdit
                columns: root.width >= Theme.wideWidth ? 3 : 2
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

            // The last conversation: only where there are conversations (never on a sales rep's device).
            // brief.lastConversation is a QVariantMap: qmllint 6.4 knows no members on it (.qmllint.ini).
            // qmllint disable type
            Label {
                Layout.topMargin: Theme.margin
                visible: brief.lastConversation.title !== undefined
                text: qsTr("Last conversation")
                font.pixelSize: 18
                font.weight: Font.Medium
                Accessible.role: Accessible.Heading
            }
            ItemDelegate {
                objectName: "briefLastConversation"
                Layout.fillWidth: true
                visible: brief.lastConversation.title !== undefined
                enabled: policy.canCapture
                Accessible.name: qsTr("Last conversation: %1").arg(brief.lastConversation.title || "")
                onClicked: root.openConversation(brief.lastConversation.conversationId)
                contentItem: ColumnLayout {
                    spacing: 2
                    Label {
                        Layout.fillWidth: true
                        text: brief.lastConversation.title || ""
                        font.weight: Font.Medium
                        elide: Label.ElideRight
                    }
                    Label {
                        Layout.fillWidth: true
                        text: [brief.lastConversation.when || "", brief.lastConversation.channelLabel || ""]
                              .filter(t => t.length > 0).join(" \u00B7 ")
                        color: Theme.subtleText
                        font.pixelSize: 12
                    }
                }
            }
            // qmllint enable type

            // Marketers: every conversation with this account (not in the preview of what sales sees).
            Label {
                Layout.topMargin: Theme.margin
                visible: policy.canCapture && !salesViewSwitch.checked && conversations.count > 1
                text: qsTr("All conversations")
                font.pixelSize: 18
                font.weight: Font.Medium
                Accessible.role: Accessible.Heading
            }
            Repeater {
                model: ConversationListModel {
                    id: conversations
                    session: AppSession
                    accountId: root.accountId.length > 0 && policy.canCapture && !salesViewSwitch.checked
                               ? root.accountId : "-"
                }
                delegate: ConversationDelegate {
                    Layout.fillWidth: true
                    visible: conversations.count > 1
                    onClicked: root.openConversation(conversationId)
                }
            }
        }
    }
}
