pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Fieldnotes

// Sync: sign in to the team's server (or out), where sync stands, the values that lost a merge (restore or keep
// the current one), and wiping this device.
Page {
    id: root

    objectName: "syncPage"

    header: AppHeader {
        title: qsTr("Sync")
    }

    ConflictListModel {
        id: conflicts
        session: AppSession
    }

    Flickable {
        id: flick
        anchors.fill: parent
        contentHeight: column.implicitHeight + 2 * Theme.margin
        clip: true
        ScrollBar.vertical: ScrollBar {}

        ColumnLayout {
            id: column
            x: Theme.margin
            width: Math.min(flick.width - 2 * Theme.margin, 640)
            spacing: Theme.spacing

            // Signed out: the sign-in form.
            ColumnLayout {
                Layout.fillWidth: true
                Layout.topMargin: Theme.margin
                visible: !AppSync.signedIn
                spacing: Theme.spacing
                Label {
                    text: qsTr("Sign in to your team's server")
                    font.weight: Font.Medium
                }
                Label {
                    Layout.fillWidth: true
                    wrapMode: Text.WordWrap
                    color: Theme.subtleText
                    text: qsTr("Published insights, accounts and leads then reach your team; everything on this device stays encrypted and works offline.")
                }
                SignInForm {
                    Layout.fillWidth: true
                }
            }

            // Signed in: where sync stands.
            ColumnLayout {
                Layout.fillWidth: true
                Layout.topMargin: Theme.margin
                visible: AppSync.signedIn
                spacing: Theme.spacing
                Label {
                    Layout.fillWidth: true
                    wrapMode: Text.WordWrap
                    text: qsTr("Signed in as %1 (%2) on %3").arg(AppSync.userEmail).arg(AppSync.role).arg(AppSync.serverUrl)
                }
                SyncIndicator {
                    Layout.alignment: Qt.AlignLeft
                }
                ProgressBar {
                    Layout.fillWidth: true
                    visible: AppSync.status === AppSync.Syncing
                    indeterminate: AppSync.progress < 0
                    value: Math.max(0, AppSync.progress)
                }
                Label {
                    objectName: "syncMessage"
                    Layout.fillWidth: true
                    visible: AppSync.message.length > 0
                    text: AppSync.message
                    wrapMode: Text.WordWrap
                    color: AppSync.status === AppSync.Error || AppSync.status === AppSync.NeedsConfirmation
                           ? Theme.warning : Theme.subtleText
                }
                Label {
                    Layout.fillWidth: true
                    color: Theme.subtleText
                    text: (AppSync.lastSync.getTime() > 0 ? qsTr("Last synced %1").arg(AppSync.lastSync.toLocaleString(Qt.locale(), Locale.ShortFormat))
                                                          : qsTr("Not synced yet"))
                          + " · " + qsTr("%n change(s) waiting", "", AppSync.pendingCount)
                }
                RowLayout {
                    Button {
                        objectName: "syncNowButton"
                        text: qsTr("Sync now")
                        implicitHeight: Theme.hitTarget
                        enabled: AppSync.status !== AppSync.Syncing
                        Accessible.name: text
                        onClicked: AppSync.syncNow()
                    }
                    Button {
                        objectName: "confirmMassDeleteButton"
                        visible: AppSync.status === AppSync.NeedsConfirmation
                        text: qsTr("Delete them and go on")
                        implicitHeight: Theme.hitTarget
                        Accessible.name: text
                        onClicked: AppSync.confirmMassDelete()
                    }
                    Button {
                        objectName: "signOutButton"
                        text: qsTr("Sign out")
                        flat: true
                        implicitHeight: Theme.hitTarget
                        enabled: !AppSync.busy
                        Accessible.name: text
                        onClicked: AppSync.signOut()
                    }
                }
            }

            Label {
                Layout.topMargin: Theme.margin
                text: qsTr("Conflicts (%1)").arg(conflicts.count)
                font.weight: Font.Medium
            }
            Label {
                Layout.fillWidth: true
                visible: conflicts.count === 0
                text: qsTr("No values lost a merge. When two people change the same field, the one that loses shows up here.")
                color: Theme.subtleText
                wrapMode: Text.WordWrap
            }
            Repeater {
                model: conflicts
                delegate: Frame {
                    id: card
                    required property int index
                    required property var conflictId
                    required property string entity
                    required property string field
                    required property string valueText
                    required property string origin
                    required property string reason
                    required property string when
                    required property bool recordDeleted
                    objectName: "conflictCard_" + index
                    Layout.fillWidth: true
                    ColumnLayout {
                        anchors.fill: parent
                        spacing: 4
                        Label {
                            Layout.fillWidth: true
                            font.weight: Font.Medium
                            text: card.field.length > 0 ? qsTr("%1 · %2").arg(card.entity).arg(card.field)
                                                        : qsTr("%1 · delete").arg(card.entity)
                            elide: Label.ElideRight
                        }
                        Label {
                            Layout.fillWidth: true
                            text: card.valueText.length > 0 ? card.valueText : qsTr("(empty)")
                            wrapMode: Text.WordWrap
                            maximumLineCount: 4
                            elide: Label.ElideRight
                        }
                        Label {
                            Layout.fillWidth: true
                            color: Theme.subtleText
                            wrapMode: Text.WordWrap
                            text: (card.origin === "rejected" ? qsTr("Refused by the server: %1").arg(card.reason)
                                 : card.origin === "superseded" ? qsTr("Your value lost to a newer one")
                                 : qsTr("Lost a concurrent edit"))
                                  + (card.recordDeleted ? " · " + qsTr("the record was deleted") : "")
                                  + " · " + card.when
                        }
                        RowLayout {
                            Button {
                                objectName: "restoreConflict_" + card.conflictId
                                visible: card.field.length > 0
                                text: card.recordDeleted ? qsTr("Restore as new") : qsTr("Restore")
                                implicitHeight: Theme.hitTarget
                                Accessible.name: qsTr("Restore this value")
                                onClicked: conflicts.restore(card.conflictId)
                            }
                            Button {
                                objectName: "dismissConflict_" + card.conflictId
                                text: qsTr("Keep current")
                                flat: true
                                implicitHeight: Theme.hitTarget
                                Accessible.name: qsTr("Keep the current value")
                                onClicked: conflicts.dismiss(card.conflictId)
                            }
                        }
                    }
                }
            }

            Label {
                Layout.topMargin: 2 * Theme.margin
                text: qsTr("This device")
                font.weight: Font.Medium
            }
            Button {
                objectName: "wipeButton"
                text: qsTr("Wipe this device…")
                implicitHeight: Theme.hitTarget
                Accessible.name: qsTr("Wipe this device")
                onClicked: wipeDialog.open()
            }
        }
    }

    Dialog {
        id: wipeDialog
        objectName: "wipeDialog"
        anchors.centerIn: Overlay.overlay
        // An explicit width, as in ConfirmDeleteDialog: sized by its content, the dialog's implicit width went round
        // through the button box's (which takes its width from the dialog's) in a binding loop.
        width: Math.min(460, (Overlay.overlay ? Overlay.overlay.width : 460) - 2 * Theme.margin)
        modal: true
        title: qsTr("Wipe this device?")
        standardButtons: Dialog.Cancel | Dialog.Discard
        // In a layout, as in ConfirmDeleteDialog: a wrapped label as the only child, its width taken from the dialog's,
        // made a binding loop of the dialog's implicitHeight where the window is narrower than 460 + margins (phones).
        ColumnLayout {
            anchors.fill: parent
            Label {
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                text: AppSync.pendingCount > 0
                      ? qsTr("The encrypted store and its keys are deleted from this device. %n change(s) have not reached the server and will be lost.", "", AppSync.pendingCount)
                      : qsTr("The encrypted store and its keys are deleted from this device. What was synced stays on the server.")
            }
        }
        onDiscarded: {
            wipeDialog.close()
            AppSync.wipe()
        }
    }
}
