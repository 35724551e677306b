pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Fieldnotes

// The insights explorer: every account's insights, filtered by kind, tag, account and published, and the way
// to publish one to sales (after the personal-data review).
Page {
    id: root

    readonly property alias model: insights
    // The signed-in role: sales reads published insights only, and cannot publish, unpublish or delete (tests set it).
    property string role: AppSync.role
    // The insights are read the first time the page is shown, not at start: the newest-first page reads the whole
    // table (there is no index on the change time), seconds at 100k insights (docs/performance.md, issue 5).
    property bool shown: false
    // The marketers' "published" filter. Sales see published insights only, whatever this device's store still holds
    // (a marketer's device whose user became a sales rep keeps what it pulled before).
    property int publishedChoice: InsightListModel.Any

    function focusSearch() {
        kindFilter.forceActiveFocus()
    }

    objectName: "insightsPage"
    onVisibleChanged: if (visible) shown = true
    Component.onCompleted: if (visible) shown = true

    InsightListModel {
        id: insights
        session: root.shown ? AppSession : null
        published: policy.canEdit ? root.publishedChoice : InsightListModel.Yes
    }
    RecordActions {
        id: actions
        session: AppSession
        role: root.role
    }
    RolePolicy {
        id: policy
        role: root.role
    }
    ConversationEditor {
        id: labels
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
    ConfirmDeleteDialog {
        id: deleteInsightDialog
        objectName: "deleteInsightDialog"
        property string insightId
        title: qsTr("Delete this insight?")
        message: qsTr("It is deleted on every device of your team once this device syncs, and sales no longer see it.")
        onConfirmed: if (!actions.remove("insight", insightId)) { errorText = actions.errorMessage; open() }
    }
    PublishReviewDialog {
        id: publishDialog
        actions: actions
    }

    header: AppHeader {
        title: qsTr("Insights")
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        Flow {
            Layout.fillWidth: true
            Layout.margins: Theme.spacing
            spacing: Theme.spacing
            ComboBox {
                id: kindFilter
                objectName: "insightKindFilter"
                width: 170
                implicitHeight: Theme.hitTarget
                model: [""].concat(labels.kinds) // qmllint disable type
                displayText: currentIndex <= 0 ? qsTr("All kinds") : labels.kindLabel(currentText)
                Accessible.name: qsTr("Filter by kind")
                onActivated: insights.kind = currentText
                delegate: ItemDelegate {
                    required property int index
                    required property string modelData
                    width: ListView.view.width
                    text: index === 0 ? qsTr("All kinds") : labels.kindLabel(modelData)
                }
            }
            ComboBox {
                id: tagFilter
                objectName: "insightTagFilter"
                width: 170
                implicitHeight: Theme.hitTarget
                model: tagChoices
                textRole: "name"
                valueRole: "recordId"
                currentIndex: -1
                displayText: currentIndex < 0 ? qsTr("All tags") : "#" + currentText
                Accessible.name: qsTr("Filter by tag")
                onActivated: insights.tagId = currentValue
            }
            ComboBox {
                id: accountFilter
                objectName: "insightAccountFilter"
                width: 200
                implicitHeight: Theme.hitTarget
                model: accountChoices
                textRole: "name"
                valueRole: "accountId"
                currentIndex: -1
                displayText: currentIndex < 0 ? qsTr("All accounts") : currentText
                Accessible.name: qsTr("Filter by account")
                onActivated: insights.accountId = currentValue
            }
            ComboBox {
                id: publishedFilter
                objectName: "insightPublishedFilter"
                visible: policy.canEdit
                width: 190
                implicitHeight: Theme.hitTarget
                model: [qsTr("Published or not"), qsTr("Published"), qsTr("Not published")]
                Accessible.name: qsTr("Filter by published")
                onActivated: index => root.publishedChoice = [InsightListModel.Any, InsightListModel.Yes,
                                                               InsightListModel.No][index]
            }
            Button {
                objectName: "insightClearFilters"
                flat: true
                implicitHeight: Theme.hitTarget
                text: qsTr("Clear")
                Accessible.name: qsTr("Clear filters")
                onClicked: {
                    insights.kind = ""
                    insights.tagId = ""
                    insights.accountId = ""
                    root.publishedChoice = InsightListModel.Any
                    kindFilter.currentIndex = 0
                    tagFilter.currentIndex = -1
                    accountFilter.currentIndex = -1
                    publishedFilter.currentIndex = 0
                }
            }
        }

        Item {
            Layout.fillWidth: true
            Layout.fillHeight: true

            ListView {

                anchors.fill: parent
                id: list
                objectName: "insightList"
                clip: true
                model: insights
                ScrollBar.vertical: ScrollBar {}
                delegate: InsightDelegate {
                    showDelete: policy.canEdit
                    showPublish: policy.canEdit
                    onPublishRequested: id => publishDialog.review(id)
                    onUnpublishRequested: id => actions.setPublished(id, false)
                    onDeleteRequested: id => {
                        deleteInsightDialog.insightId = id
                        deleteInsightDialog.errorText = ""
                        deleteInsightDialog.open()
                    }
                }
            }
                EmptyState {
                    anchors.fill: parent
                    visible: list.count === 0
                    text: policy.canEdit ? qsTr("No insights here yet. Add them while you capture a conversation.")
                                         : qsTr("No published insights here yet. Marketing publishes them to you.")
                }

        }
    }
}
