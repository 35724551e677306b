pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Fieldnotes

// Capturing one conversation: who, when, how, consent, the notes beside the interview guide, and insights added
// in one tap. Every change is saved as it is made (ConversationEditor: within 300 ms, at once on focus loss).
Page {
    id: root

    property string conversationId
    property bool showBack: false
    readonly property bool guideBeside: width >= Theme.guideBesideWidth
    readonly property alias editor: editor

    signal backClicked
    // The conversation was deleted: the list closes this page.
    signal deleted

    function save() {
        editor.save()
    }

    objectName: "capturePage"
    onConversationIdChanged: if (conversationId.length > 0) editor.load(conversationId)
    Component.onCompleted: if (conversationId.length > 0) editor.load(conversationId)
    Component.onDestruction: editor.save()

    ConversationEditor {
        id: editor
        session: AppSession
    }
    RecordActions {
        id: actions
        session: AppSession
    }
    PublishReviewDialog {
        id: publishDialog
        actions: actions
    }
    // Deleting the conversation asks about its insights (decision 0012: they stay unless the box is checked).
    ConfirmDeleteDialog {
        id: deleteConversationDialog
        objectName: "deleteConversationDialog"
        property int insightCount: 0
        title: qsTr("Delete this conversation?")
        message: qsTr("It is deleted on every device of your team once this device syncs.")
                 + (insightCount > 0 ? " " + qsTr("Its insights stay, on their account, unless you delete them too.") : "")
        optionText: insightCount > 0 ? qsTr("Also delete its %n insight(s)", "", insightCount) : ""
        onConfirmed: withInsights => {
            const id = editor.conversationId
            editor.close()
            if (actions.removeConversation(id, withInsights)) {
                root.deleted()
            } else {
                editor.load(id)
                errorText = actions.errorMessage
                open()
            }
        }
    }
    ConfirmDeleteDialog {
        id: deleteInsightDialog
        objectName: "deleteInsightDialog"
        property string insightId
        title: qsTr("Delete this insight?")
        message: qsTr("It is deleted on every device of your team once this device syncs, and sales no longer see it.")
        onConfirmed: if (!actions.remove("insight", insightId)) { errorText = actions.errorMessage; open() }
    }

    header: AppHeader {
        title: editor.title.length > 0 ? editor.title : qsTr("Conversation")
        showBack: root.showBack
        onBackClicked: {
            editor.save()
            root.backClicked()
        }
        ToolButton {
            objectName: "conversationMenuButton"
            visible: editor.conversationId.length > 0
            text: "\u22EE"
            font.pixelSize: 20
            implicitWidth: Theme.hitTarget
            implicitHeight: Theme.hitTarget
            Accessible.name: qsTr("More actions")
            onClicked: conversationMenu.open()
            Menu {
                id: conversationMenu
                y: parent.height
                MenuItem {
                    objectName: "deleteConversationButton"
                    text: qsTr("Delete conversation\u2026")
                    implicitHeight: Theme.hitTarget
                    Accessible.name: qsTr("Delete this conversation")
                    onTriggered: {
                        editor.save()
                        deleteConversationDialog.insightCount = actions.insightCount(editor.conversationId)
                        deleteConversationDialog.errorText = ""
                        deleteConversationDialog.open()
                    }
                }
            }
        }
        Label {
            objectName: "saveState"
            text: editor.errorMessage.length > 0 ? qsTr("Not saved") : editor.unsaved ? qsTr("Saving\u2026") : qsTr("Saved")
            // The toolbar's own foreground: the theme's subtle grey is unreadable on the accent colour.
            color: editor.errorMessage.length > 0 ? Theme.warning : Material.foreground
            opacity: 0.85
            rightPadding: Theme.spacing
            Accessible.name: text
        }
    }

    Flickable {
        id: flick
        anchors.fill: parent
        contentWidth: width
        contentHeight: content.implicitHeight + 2 * Theme.margin
        clip: true
        ScrollBar.vertical: ScrollBar {}

        ColumnLayout {
            id: content
            x: Theme.margin
            y: Theme.margin
            width: flick.width - 2 * Theme.margin
            spacing: Theme.spacing

            TextField {
                objectName: "titleField"
                Layout.fillWidth: true
                placeholderText: qsTr("Title, e.g. \u201CPlant visit with the maintenance team\u201D")
                text: editor.title
                selectByMouse: true
                font.pixelSize: 18
                Accessible.name: qsTr("Title")
                onTextEdited: editor.title = text
                onActiveFocusChanged: if (!activeFocus) editor.save()
            }

            GridLayout {
                Layout.fillWidth: true
                columns: root.width >= Theme.wideWidth ? 2 : 1
                columnSpacing: Theme.margin
                rowSpacing: Theme.spacing

                ColumnLayout {
                    Layout.fillWidth: true
                    Label {
                        text: qsTr("Account")
                        color: Theme.subtleText
                    }
                    AccountPicker {
                        Layout.fillWidth: true
                        accountName: editor.accountName
                        onPicked: accountId => editor.accountId = accountId
                        onCreateRequested: name => editor.createAccount(name)
                    }
                }
                ColumnLayout {
                    Layout.fillWidth: true
                    Label {
                        text: qsTr("When")
                        color: Theme.subtleText
                    }
                    RowLayout {
                        Layout.fillWidth: true
                        TextField {
                            id: timeField
                            objectName: "timeField"
                            Layout.fillWidth: true
                            text: editor.occurredAtText
                            placeholderText: qsTr("yyyy-mm-dd hh:mm")
                            inputMethodHints: Qt.ImhDate | Qt.ImhTime
                            color: acceptableInput ? palette.text : Theme.warning
                            Accessible.name: qsTr("Date and time")
                            onEditingFinished: if (!editor.setOccurredAtText(text)) text = editor.occurredAtText
                        }
                        Button {
                            objectName: "nowButton"
                            text: qsTr("Now")
                            flat: true
                            implicitHeight: Theme.hitTarget
                            Accessible.name: qsTr("Set the time to now")
                            onClicked: editor.setOccurredAtNow()
                        }
                    }
                }
            }

            Label {
                text: qsTr("Contacts")
                color: Theme.subtleText
                visible: editor.accountId.length > 0
            }
            Flow {
                Layout.fillWidth: true
                spacing: Theme.spacing
                visible: editor.accountId.length > 0
                Repeater {
                    model: RecordListModel {
                        session: AppSession
                        entity: "contact"
                        accountId: editor.accountId
                    }
                    delegate: Button {
                        required property string recordId
                        required property string name
                        objectName: "contact_" + name
                        text: name
                        checkable: true
                        checked: editor.contactIds.indexOf(recordId) >= 0 // qmllint disable type
                        highlighted: checked
                        flat: !checked
                        implicitHeight: Theme.hitTarget
                        Accessible.name: qsTr("Contact %1").arg(name)
                        onClicked: editor.toggleContact(recordId)
                    }
                }
                TextField {
                    id: newContact
                    objectName: "newContactField"
                    width: 220
                    placeholderText: qsTr("Add a contact")
                    selectByMouse: true
                    Accessible.name: qsTr("New contact name")
                    onAccepted: {
                        if (editor.createContact(text).length > 0)
                            clear()
                    }
                }
            }

            Label {
                text: qsTr("Channel")
                color: Theme.subtleText
            }
            ChoiceChips {
                Layout.fillWidth: true
                name: "channel"
                value: editor.channel
                choices: editor.channels.map(c => ({ value: c, label: editor.channelLabel(c) })) // qmllint disable type
                onPicked: value => editor.channel = value
            }
            // The consent text wraps beside its switch: on a phone it would not fit on one line.
            RowLayout {
                Layout.fillWidth: true
                Switch {
                    id: consentSwitch
                    objectName: "consentSwitch"
                    checked: editor.consent
                    implicitHeight: Theme.hitTarget
                    Accessible.name: qsTr("Consent given")
                    onToggled: editor.consent = checked
                }
                Label {
                    Layout.fillWidth: true
                    text: qsTr("The customer agreed to notes being taken")
                    wrapMode: Text.WordWrap
                    TapHandler {
                        onTapped: editor.consent = !editor.consent
                    }
                }
                Switch {
                    objectName: "finalSwitch"
                    text: qsTr("Final")
                    checked: editor.final
                    implicitHeight: Theme.hitTarget
                    Accessible.name: qsTr("Mark the conversation final")
                    onToggled: editor.final = checked
                }
            }

            GridLayout {
                Layout.fillWidth: true
                columns: root.guideBeside ? 2 : 1
                columnSpacing: Theme.margin
                rowSpacing: Theme.spacing

                // The guide: beside the notes when there is room, above them otherwise.
                Frame {
                    objectName: "guidePanel"
                    Layout.fillWidth: !root.guideBeside
                    Layout.preferredWidth: root.guideBeside ? 320 : -1
                    Layout.alignment: Qt.AlignTop
                    Layout.column: root.guideBeside ? 1 : 0
                    Layout.row: 0
                    visible: editor.guideQuestions.length > 0
                    background: Rectangle {
                        color: Theme.panel
                        radius: 4
                    }
                    ColumnLayout {
                        width: parent.width
                        spacing: 4
                        RowLayout {
                            Layout.fillWidth: true
                            Label {
                                Layout.fillWidth: true
                                text: editor.guideTitle
                                font.weight: Font.Medium
                                elide: Label.ElideRight
                            }
                            ToolButton {
                                id: guideToggle
                                objectName: "guideToggle"
                                checkable: true
                                checked: true
                                text: checked ? "\u25B4" : "\u25BE"
                                implicitWidth: Theme.hitTarget
                                implicitHeight: Theme.hitTarget
                                Accessible.name: checked ? qsTr("Hide the questions") : qsTr("Show the questions")
                            }
                        }
                        Repeater {
                            model: guideToggle.checked ? editor.guideQuestions : []
                            delegate: Label {
                                required property int index
                                required property string modelData
                                Layout.fillWidth: true
                                text: (index + 1) + ". " + modelData
                                wrapMode: Text.WordWrap
                                color: Theme.subtleText
                            }
                        }
                    }
                }
                TextArea {
                    id: notes
                    objectName: "notesArea"
                    Layout.fillWidth: true
                    Layout.minimumHeight: 220
                    Layout.column: 0
                    Layout.row: root.guideBeside ? 0 : 1
                    Layout.alignment: Qt.AlignTop
                    placeholderText: qsTr("Notes: what they say, in their words. Select words to quote them in an insight.")
                    text: editor.notes
                    wrapMode: TextEdit.Wrap
                    selectByMouse: true
                    // The selection survives a tap on a kind chip: it becomes the insight's quote.
                    persistentSelection: true
                    Accessible.name: qsTr("Notes")
                    onTextChanged: editor.notes = text
                    onActiveFocusChanged: if (!activeFocus) editor.save()
                }
            }

            InsightComposer {
                Layout.fillWidth: true
                editor: root.editor
                selectedQuote: notes.selectedText
                onAdded: notes.deselect()
            }

            Label {
                text: qsTr("Insights from this conversation")
                font.weight: Font.Medium
                visible: insights.count > 0
                Layout.topMargin: Theme.margin
            }
            Repeater {
                model: InsightListModel {
                    id: insights
                    session: AppSession
                    conversationId: editor.conversationId.length > 0 ? editor.conversationId : "-"
                }
                delegate: InsightDelegate {
                    Layout.fillWidth: true
                    showAccount: false
                    showDelete: true
                    onPublishRequested: id => publishDialog.review(id)
                    onUnpublishRequested: id => actions.setPublished(id, false)
                    onDeleteRequested: id => {
                        deleteInsightDialog.insightId = id
                        deleteInsightDialog.errorText = ""
                        deleteInsightDialog.open()
                    }
                }
            }
        }
    }
}
