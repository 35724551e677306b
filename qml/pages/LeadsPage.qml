pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Fieldnotes

// Leads: marketing's directions to sales. The list (by priority or latest change, filtered by status and account)
// and one lead beside it (wide) or instead of it (narrow). Marketers create and edit leads; a sales rep answers
// them: accepts, declines or completes one and writes back the outcome.
Page {
    id: root

    // The signed-in role decides what the page offers (tests set it).
    property string role: AppSync.role
    property string selectedId
    property bool creating: false
    property string newLeadAccountId
    readonly property bool wide: width >= Theme.wideWidth
    readonly property bool detailOpen: selectedId.length > 0 || creating
    readonly property alias model: leads
    readonly property alias canEdit: policy.canEdit

    function newLead(accountId) {
        if (!policy.canEdit)
            return
        selectedId = ""
        newLeadAccountId = accountId || ""
        creating = true
    }
    function open(leadId) {
        creating = false
        selectedId = leadId
    }
    function focusSearch() {
        statusFilter.forceActiveFocus()
    }

    objectName: "leadsPage"

    RolePolicy {
        id: policy
        role: root.role
    }
    LeadListModel {
        id: leads
        session: AppSession
    }
    AccountListModel {
        id: accountChoices
        session: AppSession
    }
    RecordActions {
        id: actions
        session: AppSession
        role: root.role
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
                title: qsTr("Leads")
                ToolButton {
                    objectName: "newLeadButton"
                    visible: policy.canEdit
                    text: "+"
                    font.pixelSize: 24
                    implicitWidth: Theme.hitTarget
                    implicitHeight: Theme.hitTarget
                    Accessible.name: qsTr("New lead")
                    onClicked: root.newLead("")
                    ToolTip.visible: hovered
                    ToolTip.text: qsTr("New lead")
                }
            }

            ColumnLayout {
                anchors.fill: parent
                spacing: 0

                Flow {
                    id: filters
                    Layout.fillWidth: true
                    Layout.margins: Theme.spacing
                    spacing: Theme.spacing
                    // Two filters a row in the list pane and on a phone.
                    readonly property real itemWidth: Math.min(200, Math.floor((width - spacing) / 2))

                    ComboBox {
                        id: statusFilter
                        objectName: "leadStatusFilter"
                        width: filters.itemWidth
                        implicitHeight: Theme.hitTarget
                        model: [{ value: "", label: qsTr("All statuses") }].concat(leads.statusChoices) // qmllint disable type
                        textRole: "label"
                        valueRole: "value"
                        Accessible.name: qsTr("Filter by status")
                        onActivated: leads.status = currentValue
                    }
                    ComboBox {
                        id: accountFilter
                        objectName: "leadAccountFilter"
                        width: filters.itemWidth
                        implicitHeight: Theme.hitTarget
                        model: accountChoices
                        textRole: "name"
                        valueRole: "accountId"
                        currentIndex: -1
                        displayText: currentIndex < 0 ? qsTr("All accounts") : currentText
                        Accessible.name: qsTr("Filter by account")
                        onActivated: leads.accountId = currentValue
                    }
                    ComboBox {
                        id: orderBox
                        objectName: "leadOrder"
                        width: filters.itemWidth
                        implicitHeight: Theme.hitTarget
                        model: [qsTr("Priority first"), qsTr("Latest change first")]
                        Accessible.name: qsTr("Order")
                        onActivated: index => leads.order = index === 0 ? LeadListModel.Priority : LeadListModel.Newest
                    }
                    Button {
                        objectName: "leadClearFilters"
                        flat: true
                        implicitHeight: Theme.hitTarget
                        text: qsTr("Clear")
                        enabled: leads.status.length > 0 || leads.accountId.length > 0
                        Accessible.name: qsTr("Clear filters")
                        onClicked: {
                            leads.status = ""
                            leads.accountId = ""
                            statusFilter.currentIndex = 0
                            accountFilter.currentIndex = -1
                        }
                    }
                }

                Item {
                    Layout.fillWidth: true
                    Layout.fillHeight: true

                    ListView {
                        id: list
                        objectName: "leadList"
                        anchors.fill: parent
                        clip: true
                        model: leads
                        ScrollBar.vertical: ScrollBar {}
                        delegate: ItemDelegate {
                            id: row
                            required property int index
                            required property string leadId
                            required property string accountName
                            required property string recommendation
                            required property int priority
                            required property string priorityLabel
                            required property string horizonLabel
                            required property string status
                            required property string statusLabel
                            objectName: "lead_" + index
                            width: ListView.view.width
                            highlighted: leadId === root.selectedId
                            Accessible.name: recommendation
                            onClicked: root.open(leadId)
                            contentItem: ColumnLayout {
                                spacing: 2
                                RowLayout {
                                    Layout.fillWidth: true
                                    Label {
                                        Layout.fillWidth: true
                                        text: row.accountName
                                        color: Theme.subtleText
                                        font.pixelSize: 12
                                        elide: Label.ElideRight
                                    }
                                    Label {
                                        text: row.statusLabel
                                        font.pixelSize: 12
                                        font.weight: Font.Medium
                                        color: row.status === "open" ? row.Material.accentColor
                                             : row.status === "declined" ? Theme.subtleText : Theme.success
                                    }
                                }
                                Label {
                                    Layout.fillWidth: true
                                    text: row.recommendation
                                    font.weight: row.status === "open" ? Font.Medium : Font.Normal
                                    wrapMode: Text.WordWrap
                                    maximumLineCount: 2
                                    elide: Label.ElideRight
                                }
                                Label {
                                    Layout.fillWidth: true
                                    visible: text.length > 0
                                    text: [row.priorityLabel, row.horizonLabel].filter(t => t.length > 0).join(" · ") // qmllint disable type
                                    color: Theme.subtleText
                                    font.pixelSize: 12
                                    elide: Label.ElideRight
                                }
                            }
                        }
                    }
                    EmptyState {
                        anchors.fill: parent
                        visible: list.count === 0
                        text: leads.status.length > 0 || leads.accountId.length > 0 ? qsTr("No lead matches.")
                              : policy.canEdit ? qsTr("No leads yet. Tap + to point sales to an account.")
                                               : qsTr("No leads for you yet. Marketing's directions appear here.")
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
            id: detail
            Layout.fillWidth: true
            Layout.fillHeight: true
            visible: root.wide || root.detailOpen
            active: root.detailOpen
            sourceComponent: leadComponent
            EmptyState {
                anchors.fill: parent
                visible: !root.detailOpen
                text: qsTr("Pick a lead to see it and answer it.")
            }
        }
    }

    Component {
        id: leadComponent

        Page {
            id: leadPage

            readonly property bool isNew: root.creating
            property var fields: ({})
            property string accountId
            property string accountName
            property string priority
            property string horizon
            property string status: "open"

            function load() {
                fields = isNew ? {} : actions.fields("lead", root.selectedId)
                accountId = isNew ? root.newLeadAccountId : (fields.account_id || "")
                priority = fields.priority ? String(fields.priority) : ""
                horizon = fields.horizon || ""
                status = fields.status || "open"
                recommendationArea.text = fields.recommendation || ""
                outcomeArea.text = fields.outcome || ""
                loadAccountName()
            }
            function loadAccountName() {
                accountName = accountId.length > 0 ? (actions.fields("account", accountId).name || "") : "" // qmllint disable type
            }
            function close() {
                root.creating = false
                root.selectedId = ""
            }
            function save() {
                const id = actions.saveLead(isNew ? "" : root.selectedId, accountId, recommendationArea.text,
                                            priority.length > 0 ? Number(priority) : 0, horizon)
                if (id.length > 0)
                    root.open(id)
            }
            function answer(nextStatus) {
                if (actions.setLeadStatus(root.selectedId, nextStatus, outcomeArea.text))
                    status = nextStatus
            }

            objectName: "leadDetail"
            Component.onCompleted: load()

            Connections {
                target: root
                function onSelectedIdChanged() {
                    leadPage.load()
                }
                function onCreatingChanged() {
                    leadPage.load()
                }
            }

            header: AppHeader {
                title: leadPage.isNew ? qsTr("New lead") : qsTr("Lead")
                showBack: !root.wide
                onBackClicked: leadPage.close()
                ToolButton {
                    objectName: "deleteLeadButton"
                    visible: policy.canEdit && !leadPage.isNew
                    text: qsTr("Delete")
                    implicitWidth: Math.max(Theme.hitTarget, implicitContentWidth + leftPadding + rightPadding)
                    implicitHeight: Theme.hitTarget
                    Accessible.name: qsTr("Delete this lead")
                    onClicked: deleteDialog.open()
                    ToolTip.visible: hovered
                    ToolTip.text: qsTr("Delete this lead")
                }
            }

            Dialog {
                id: deleteDialog
                objectName: "deleteLeadDialog"
                title: qsTr("Delete this lead?")
                modal: true
                anchors.centerIn: Overlay.overlay
                width: Math.min(420, root.width - 2 * Theme.margin)
                standardButtons: Dialog.Cancel | Dialog.Ok
                onAccepted: if (actions.remove("lead", root.selectedId)) leadPage.close()
                Label {
                    width: parent.width
                    wrapMode: Text.WordWrap
                    text: qsTr("Sales will no longer see it, on every device once it syncs.")
                }
            }

            Flickable {
                id: flick
                anchors.fill: parent
                contentHeight: form.implicitHeight + 2 * Theme.margin
                clip: true
                ScrollBar.vertical: ScrollBar {}

                ColumnLayout {
                    id: form
                    x: Theme.margin
                    y: Theme.margin
                    width: Math.min(flick.width - 2 * Theme.margin, 640)
                    spacing: Theme.spacing

                    // Marketing's part: editable for marketers, read-only for sales.
                    Label {
                        text: qsTr("Account")
                        font.weight: Font.Medium
                    }
                    AccountPicker {
                        objectName: "leadAccountPicker"
                        Layout.fillWidth: true
                        visible: policy.canEdit
                        accountName: leadPage.accountName
                        placeholder: qsTr("Choose the account")
                        onPicked: id => {
                            leadPage.accountId = id
                            leadPage.loadAccountName()
                        }
                        onCreateRequested: name => {
                            const id = actions.save("account", "", { name: name })
                            if (id.length > 0) {
                                leadPage.accountId = id
                                leadPage.loadAccountName()
                            }
                        }
                    }
                    Label {
                        objectName: "leadAccountName"
                        Layout.fillWidth: true
                        visible: !policy.canEdit
                        text: leadPage.accountName
                        wrapMode: Text.WordWrap
                    }

                    Label {
                        text: qsTr("What sales should do")
                        font.weight: Font.Medium
                        Layout.topMargin: Theme.spacing
                    }
                    TextArea {
                        id: recommendationArea
                        objectName: "leadRecommendationField"
                        Layout.fillWidth: true
                        Layout.minimumHeight: Theme.hitTarget * 2
                        readOnly: !policy.canEdit
                        wrapMode: TextEdit.Wrap
                        placeholderText: policy.canEdit ? qsTr("e.g. Offer a pilot of the new calibration service") : ""
                        Accessible.name: qsTr("Recommendation")
                    }

                    Label {
                        text: qsTr("Priority")
                        font.weight: Font.Medium
                        Layout.topMargin: Theme.spacing
                    }
                    ChoiceChips {
                        Layout.fillWidth: true
                        visible: policy.canEdit
                        name: "leadPriority"
                        allowNone: true
                        choices: leads.priorityChoices
                        value: leadPage.priority
                        onPicked: value => leadPage.priority = value
                    }
                    Label {
                        objectName: "leadPriorityText"
                        visible: !policy.canEdit
                        text: leadPage.priority.length > 0
                              ? leads.priorityChoices[Number(leadPage.priority) - 1].label : qsTr("Not set")
                    }

                    Label {
                        text: qsTr("Horizon")
                        font.weight: Font.Medium
                        Layout.topMargin: Theme.spacing
                    }
                    ChoiceChips {
                        Layout.fillWidth: true
                        visible: policy.canEdit
                        name: "leadHorizon"
                        allowNone: true
                        choices: leads.horizonChoices
                        value: leadPage.horizon
                        onPicked: value => leadPage.horizon = value
                    }
                    Label {
                        objectName: "leadHorizonText"
                        visible: !policy.canEdit
                        text: {
                            const choice = leads.horizonChoices.find(c => c.value === leadPage.horizon)
                            return choice ? choice.label : qsTr("Not set")
                        }
                    }

                    Button {
                        objectName: "leadSaveButton"
                        visible: policy.canEdit
                        Layout.alignment: Qt.AlignRight
                        implicitHeight: Theme.hitTarget
                        highlighted: true
                        enabled: leadPage.accountId.length > 0 && recommendationArea.text.trim().length > 0
                        text: leadPage.isNew ? qsTr("Create lead") : qsTr("Save changes")
                        Accessible.name: text
                        onClicked: leadPage.save()
                    }

                    // Sales' answer: status and outcome (marketers see and may correct it).
                    Rectangle {
                        visible: !leadPage.isNew
                        Layout.fillWidth: true
                        Layout.topMargin: Theme.margin
                        implicitHeight: 1
                        color: Theme.divider
                    }
                    Label {
                        visible: !leadPage.isNew
                        text: qsTr("Status")
                        font.weight: Font.Medium
                    }
                    Flow {
                        Layout.fillWidth: true
                        visible: !leadPage.isNew
                        spacing: Theme.spacing
                        Repeater {
                            model: [{ value: "accepted", label: qsTr("Accept") },
                                    { value: "declined", label: qsTr("Decline") },
                                    { value: "done", label: qsTr("Mark done") },
                                    { value: "open", label: qsTr("Reopen") }]
                            delegate: Button {
                                required property var modelData
                                objectName: "leadStatus_" + modelData.value
                                visible: modelData.value !== "open" || leadPage.status !== "open"
                                text: modelData.label
                                checkable: true
                                checked: leadPage.status === modelData.value
                                highlighted: checked
                                flat: !checked
                                implicitHeight: Theme.hitTarget
                                Accessible.name: modelData.label
                                onClicked: {
                                    checked = Qt.binding(() => leadPage.status === modelData.value)
                                    leadPage.answer(modelData.value)
                                }
                            }
                        }
                    }
                    Label {
                        objectName: "leadStatusText"
                        visible: !leadPage.isNew
                        text: qsTr("Now: %1").arg(leads.statusChoices.find(c => c.value === leadPage.status).label) // qmllint disable type
                        color: Theme.subtleText
                    }
                    Label {
                        visible: !leadPage.isNew
                        text: qsTr("Outcome")
                        font.weight: Font.Medium
                        Layout.topMargin: Theme.spacing
                    }
                    TextArea {
                        id: outcomeArea
                        objectName: "leadOutcomeField"
                        visible: !leadPage.isNew
                        Layout.fillWidth: true
                        Layout.minimumHeight: Theme.hitTarget * 2
                        wrapMode: TextEdit.Wrap
                        placeholderText: qsTr("What happened: meeting booked, not now because…")
                        Accessible.name: qsTr("Outcome")
                    }
                    Button {
                        objectName: "leadOutcomeSaveButton"
                        visible: !leadPage.isNew
                        Layout.alignment: Qt.AlignRight
                        implicitHeight: Theme.hitTarget
                        enabled: outcomeArea.text !== (leadPage.fields.outcome || "")
                        text: qsTr("Save outcome")
                        Accessible.name: text
                        onClicked: {
                            if (actions.setLeadStatus(root.selectedId, leadPage.status, outcomeArea.text))
                                leadPage.fields = actions.fields("lead", root.selectedId)
                        }
                    }

                    Label {
                        objectName: "leadError"
                        Layout.fillWidth: true
                        visible: actions.errorMessage.length > 0
                        text: actions.errorMessage
                        color: Theme.warning
                        wrapMode: Text.WordWrap
                    }
                }
            }
        }
    }
}
