import QtQuick
import QtQuick.Controls
import Fieldnotes

// What a list shows when it has nothing: one calm sentence.
Label {
    horizontalAlignment: Text.AlignHCenter
    verticalAlignment: Text.AlignVCenter
    wrapMode: Text.WordWrap
    color: Theme.subtleText
    padding: Theme.margin * 2
}
