pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Fieldnotes

// Adds an insight in one tap while the conversation goes on: write a line (or select words in the notes to
// quote them), then tap its kind. Importance and tags stay set for the next one.
ColumnLayout {
    id: root

    required property ConversationEditor editor
    property string selectedQuote
    property int importance: 3
    property var selectedTags: []

    signal added(string insightId)

    function add(kind) {
        const id = editor.addInsight(kind, textField.text, selectedQuote, importance, selectedTags)
        if (id.length > 0) {
            textField.clear()
            added(id)
        }
    }

    spacing: Theme.spacing

    TextField {
        id: textField
        objectName: "insightTextField"
        Layout.fillWidth: true
        placeholderText: root.selectedQuote.length > 0 ? qsTr("Insight (the selected words become its quote)")
                                                        : qsTr("Insight: what did you learn?")
        selectByMouse: true
        Accessible.name: qsTr("Insight text")
    }
    Label {
        Layout.fillWidth: true
        visible: root.selectedQuote.length > 0
        text: qsTr("Quote: \u201C%1\u201D").arg(root.selectedQuote)
        font.italic: true
        color: Theme.subtleText
        elide: Label.ElideRight
        maximumLineCount: 2
        wrapMode: Text.WordWrap
    }
    Flow {
        Layout.fillWidth: true
        spacing: Theme.spacing
        Repeater {
            model: root.editor.kinds
            delegate: Button {
                required property string modelData
                objectName: "addInsight_" + modelData
                text: "+ " + root.editor.kindLabel(modelData)
                implicitHeight: Theme.hitTarget
                // Tapping a kind must not take the focus (or the selection) from the notes.
                focusPolicy: Qt.NoFocus
                enabled: textField.text.trim().length > 0 || root.selectedQuote.trim().length > 0
                Accessible.name: qsTr("Add a %1 insight").arg(root.editor.kindLabel(modelData))
                onClicked: root.add(modelData)
            }
        }
    }
    // The label goes above the five stars when both do not fit on one line (a 360 px phone, a longer translation).
    GridLayout {
        Layout.fillWidth: true
        columns: importanceLabel.implicitWidth + Theme.spacing + stars.implicitWidth <= root.width ? 2 : 1
        columnSpacing: Theme.spacing
        rowSpacing: 0
        Label {
            id: importanceLabel
            text: qsTr("Importance")
            color: Theme.subtleText
        }
        Row {
            id: stars
            Repeater {
                model: 5
                delegate: ToolButton {
                    required property int index
                    objectName: "importance_" + (index + 1)
                    text: index < root.importance ? "\u2605" : "\u2606"
                    font.pixelSize: 20
                    implicitWidth: Theme.hitTarget
                    implicitHeight: Theme.hitTarget
                    focusPolicy: Qt.NoFocus
                    Accessible.name: qsTr("Importance %1 of 5").arg(index + 1)
                    onClicked: root.importance = index + 1
                }
            }
        }
    }
    Flow {
        Layout.fillWidth: true
        spacing: Theme.spacing
        visible: tags.count > 0
        Repeater {
            model: RecordListModel {
                id: tags
                session: AppSession
                entity: "tag"
            }
            delegate: Button {
                required property string recordId
                required property string name
                objectName: "insightTag_" + name
                text: "#" + name
                checkable: true
                checked: root.selectedTags.indexOf(recordId) >= 0
                flat: !checked
                highlighted: checked
                implicitHeight: Theme.hitTarget
                focusPolicy: Qt.NoFocus
                Accessible.name: qsTr("Tag %1").arg(name)
                onClicked: {
                    const next = root.selectedTags.filter(t => t !== recordId)
                    if (checked)
                        next.push(recordId)
                    root.selectedTags = next
                }
            }
        }
    }
    Label {
        Layout.fillWidth: true
        visible: root.editor.errorMessage.length > 0
        text: root.editor.errorMessage
        color: Theme.warning
        wrapMode: Text.WordWrap
    }
}
