pragma Singleton
import QtQuick
import QtQuick.Controls.Material
import Fieldnotes

// Colours and sizes in one place. Touch first: nothing a finger taps is smaller than hitTarget.
QtObject {
    readonly property bool dark: Preferences.darkTheme
    readonly property int hitTarget: 48
    readonly property int spacing: 8
    readonly property int margin: 16
    // List and detail side by side from this width (tablet portrait and up); navigation rail from railWidth.
    readonly property int wideWidth: 720
    readonly property int railWidth: 1000
    readonly property int listPaneWidth: 360
    readonly property int guideBesideWidth: 860
    readonly property int accent: Material.Indigo
    readonly property color subtleText: dark ? "#b0b0b0" : "#5f6368"
    readonly property color divider: dark ? "#3c3c3c" : "#e0e0e0"
    readonly property color selection: dark ? "#2c3350" : "#e8eaf6"
    readonly property color warning: dark ? "#ffb74d" : "#b71c1c"
    readonly property color success: dark ? "#81c784" : "#2e7d32"
    readonly property color panel: dark ? "#262626" : "#f5f5f7"
    readonly property var tagColors: ["#3f51b5", "#009688", "#e91e63", "#ff9800", "#795548", "#607d8b", "#8bc34a"]
}
