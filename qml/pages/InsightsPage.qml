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

    function focusSearch() {
        kindFilter.forceActiveFocus()
    }

    objectName: "insightsPage"

    InsightListModel {
        id: insights
        session: AppSession
    }
    RecordActions {
        id: actions
        session: AppSession
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
                model: [""].concat(labels.kinds)
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
                width: 190
                implicitHeight: Theme.hitTarget
                model: [qsTr("Published or not"), qsTr("Published"), qsTr("Not published")]
                Accessible.name: qsTr("Filter by published")
                onActivated: index => insights.published = [InsightListModel.Any, InsightListModel.Yes,
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
                    insights.published = InsightListModel.Any
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
                    onPublishRequested: id => publishDialog.review(id)
                    onUnpublishRequested: id => actions.setPublished(id, false)
                }
            }
                EmptyState {
                    anchors.fill: parent
                    visible: list.count === 0
                    text: qsTr("No insights here yet. Add them while you capture a conversation.")
                }

        }
    }
}
