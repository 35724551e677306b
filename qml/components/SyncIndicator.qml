import QtQuick
import QtQuick.Controls
import Fieldnotes

// Where sync stands, on every page: local only, offline, syncing (with progress), up to date, n pending, error.
// Tapping it syncs now; the Sync page has the details.
ToolButton {
    id: root

    // The glyph only (AppHeader sets it where the page's title would not fit otherwise).
    property bool compact: false
    readonly property int status: AppSync.status
    readonly property string label: {
        switch (root.status) {
        case AppSync.LocalOnly:
            return qsTr("Local only")
        case AppSync.Syncing:
            return AppSync.progress >= 0 ? qsTr("Syncing %1%").arg(Math.round(AppSync.progress * 100))
                                         : qsTr("Syncing…")
        case AppSync.Offline:
            return AppSync.pendingCount > 0 ? qsTr("Offline, %n pending", "", AppSync.pendingCount) : qsTr("Offline")
        case AppSync.Error:
            return qsTr("Sync problem")
        case AppSync.NeedsConfirmation:
            return qsTr("Sync needs you")
        case AppSync.Revoked:
            return qsTr("Revoked")
        default:
            return AppSync.pendingCount > 0 ? qsTr("%n pending", "", AppSync.pendingCount) : qsTr("Up to date")
        }
    }
    readonly property string glyph: root.status === AppSync.Syncing ? "\u21BB"
                                  : root.status === AppSync.UpToDate && AppSync.pendingCount === 0 ? "\u2713"
                                  : root.status === AppSync.Error || root.status === AppSync.NeedsConfirmation ? "\u26A0"
                                  : root.status === AppSync.LocalOnly ? "\u25CB" : "\u2601"

    // The width with the label, whether or not it is shown (for AppHeader to decide).
    readonly property real fullWidth: Math.max(Theme.hitTarget, Math.ceil(fullText.advanceWidth) + leftPadding
                                               + rightPadding)

    objectName: "syncIndicator"
    implicitHeight: Theme.hitTarget
    text: root.compact ? root.glyph : root.glyph + " " + root.label
    font.pixelSize: 14
    enabled: AppSync.signedIn
    Accessible.name: qsTr("Sync status: %1").arg(root.label)
    ToolTip.visible: hovered && (root.compact || AppSync.message.length > 0)
    ToolTip.text: !root.compact ? AppSync.message
                                : AppSync.message.length > 0 ? root.label + "\n" + AppSync.message : root.label
    onClicked: AppSync.syncNow()

    TextMetrics {
        id: fullText
        font: root.font
        text: root.glyph + " " + root.label
    }
}
