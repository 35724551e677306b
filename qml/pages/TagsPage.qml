pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Fieldnotes

// The team's tags: names and colours, created and renamed here.
Page {
    id: root

    property bool showBack: false

    signal backClicked

    objectName: "tagsPage"

    RecordActions {
        id: actions
        session: AppSession
    }

    ConfirmDeleteDialog {
        id: deleteTagDialog
        objectName: "deleteTagDialog"
        property string tagId
        property string tagName
        title: qsTr("Delete the tag %1?").arg(tagName)
        message: qsTr("The tag goes from every device of your team once this device syncs. Insights keep their text; they just lose this tag.")
        onConfirmed: if (!actions.remove("tag", tagId)) { errorText = actions.errorMessage; open() }
    }

    header: AppHeader {
        title: qsTr("Tags")
        showBack: root.showBack
        onBackClicked: root.backClicked()
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: Theme.margin
        spacing: Theme.spacing

        RowLayout {
            Layout.fillWidth: true
            TextField {
                id: newName
                objectName: "newTagField"
                Layout.fillWidth: true
                implicitHeight: Theme.hitTarget
                placeholderText: qsTr("New tag, e.g. pricing")
                Accessible.name: qsTr("New tag name")
                onAccepted: addButton.clicked()
            }
            Button {
                id: addButton
                objectName: "addTagButton"
                text: qsTr("Add")
                implicitHeight: Theme.hitTarget
                enabled: newName.text.trim().length > 0
                Accessible.name: qsTr("Add the tag")
                onClicked: {
                    const color = Theme.tagColors[tags.count % Theme.tagColors.length]
                    if (actions.save("tag", "", { name: newName.text, color: color }).length > 0)
                        newName.clear()
                }
            }
        }
        Label {
            visible: actions.errorMessage.length > 0
            text: actions.errorMessage
            color: Theme.warning
            wrapMode: Text.WordWrap
            Layout.fillWidth: true
        }
        Item {
            Layout.fillWidth: true
            Layout.fillHeight: true
            ListView {
                anchors.fill: parent
                id: list
                objectName: "tagList"
                clip: true
                model: RecordListModel {
                    id: tags
                    session: AppSession
                    entity: "tag"
                }
                delegate: RowLayout {
                    id: row
                    required property int index
                    required property string recordId
                    required property string name
                    required property string color
                    width: ListView.view.width
                    ToolButton {
                        objectName: "tagColor_" + row.index
                        implicitWidth: Theme.hitTarget
                        implicitHeight: Theme.hitTarget
                        Accessible.name: qsTr("Change the colour of %1").arg(row.name)
                        onClicked: {
                            const i = Theme.tagColors.indexOf(row.color)
                            actions.save("tag", row.recordId, { color: Theme.tagColors[(i + 1) % Theme.tagColors.length] })
                        }
                        contentItem: Rectangle {
                            implicitWidth: 20
                            implicitHeight: 20
                            radius: 10
                            color: row.color.length > 0 ? row.color : Theme.subtleText
                        }
                    }
                    TextField {
                        objectName: "tagName_" + row.index
                        Layout.fillWidth: true
                        implicitHeight: Theme.hitTarget
                        text: row.name
                        Accessible.name: qsTr("Tag name")
                        onEditingFinished: if (text.trim().length > 0 && text.trim() !== row.name)
                                               actions.save("tag", row.recordId, { name: text })
                    }
                    ToolButton {
                        objectName: "deleteTag_" + row.index
                        text: "\u2715"
                        implicitWidth: Theme.hitTarget
                        implicitHeight: Theme.hitTarget
                        Accessible.name: qsTr("Delete the tag %1").arg(row.name)
                        onClicked: {
                            deleteTagDialog.tagId = row.recordId
                            deleteTagDialog.tagName = row.name
                            deleteTagDialog.errorText = ""
                            deleteTagDialog.open()
                        }
                    }
                }
            }
                EmptyState {
                    anchors.fill: parent
                    visible: list.count === 0
                    text: qsTr("No tags yet. Tags group insights across accounts: pricing, onboarding, support\u2026")
                }
        }
    }
}
