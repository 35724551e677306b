pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import Fieldnotes

// One choice out of a few, as a row of chips that wraps. `choices` is a list of {value, label}.
Flow {
    id: root

    property var choices: []
    property string value
    property string name: "choice"
    property bool allowNone: false

    signal picked(string value)

    spacing: Theme.spacing

    Repeater {
        model: root.choices
        delegate: Button {
            required property var modelData
            objectName: root.name + "_" + modelData.value
            text: modelData.label
            checkable: true
            checked: root.value === modelData.value
            highlighted: checked
            flat: !checked
            implicitHeight: Theme.hitTarget
            focusPolicy: Qt.TabFocus
            Accessible.name: modelData.label
            onClicked: {
                const next = root.allowNone && root.value === modelData.value ? "" : modelData.value
                checked = Qt.binding(() => root.value === modelData.value)
                root.picked(next)
            }
        }
    }
}
