pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import QtQuick.Dialogs
import Fieldnotes

// Settings: the server (who is signed in, certificate pins), export and import, when the app locks itself, the
// passphrase, the theme.
Page {
    id: root

    readonly property var entityLabels: ({
        account: qsTr("Accounts"), contact: qsTr("Contacts"), conversation: qsTr("Conversations"),
        insight: qsTr("Insights"), tag: qsTr("Tags"), lead: qsTr("Leads"), guide: qsTr("Interview guides")
    })
    readonly property var formatLabels: ({ json: qsTr("JSON"), csv: qsTr("CSV"), markdown: qsTr("Markdown") })
    // The signed-in role: sales exports only what sales sees (tests set it).
    property string role: AppSync.role

    // Sign in or out happens on the Sync page: Main.qml switches to it.
    signal openSyncRequested

    objectName: "settingsPage"

    DataTransfer {
        id: transfer
        session: AppSession
        role: root.role
    }
    SaveFileDialog {
        id: exportDialog
        // What was chosen when the dialog opened: the export is of that.
        property string format: "json"
        property string entity
        objectName: "exportFileDialog"
        title: qsTr("Export to")
        acceptLabel: qsTr("Export")
        nameFilters: format === "csv" ? [qsTr("CSV files (*.csv)"), qsTr("All files (*)")]
                   : format === "markdown" ? [qsTr("Markdown (*.md)"), qsTr("All files (*)")]
                                           : [qsTr("JSON files (*.json)"), qsTr("All files (*)")]
        onAccepted: transfer.exportTo(format, entity, selectedFile)
    }
    FileDialog {
        id: importDialog
        objectName: "importFileDialog"
        title: qsTr("Import accounts from a CSV file")
        fileMode: FileDialog.OpenFile
        currentFolder: transfer.documentsFolderUrl() // else Qt's own dialog starts in the working directory
        nameFilters: [qsTr("CSV files (*.csv)"), qsTr("All files (*)")]
        onAccepted: transfer.importAccounts(selectedFile)
    }

    header: AppHeader {
        title: qsTr("Settings")
    }

    Connections {
        target: AppSession
        function onPassphraseChanged() {
            current.clear()
            next.clear()
            repeated.clear()
            changed.visible = true
        }
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
            width: Math.min(flick.width - 2 * Theme.margin, 560)
            spacing: Theme.spacing

            Label {
                text: qsTr("Server")
                font.weight: Font.Medium
                Layout.topMargin: Theme.margin
            }
            Label {
                objectName: "serverStatusLabel"
                Layout.fillWidth: true
                wrapMode: Text.WordWrap
                text: AppSync.signedIn ? qsTr("Signed in as %1 (%2) on %3").arg(AppSync.userEmail).arg(AppSync.role).arg(AppSync.serverUrl)
                                       : qsTr("Local-only: nothing leaves this device.")
            }
            Flow {
                Layout.fillWidth: true
                spacing: Theme.spacing
                Button {
                    objectName: "settingsSignInButton"
                    visible: !AppSync.signedIn
                    text: qsTr("Sign in…")
                    implicitHeight: Theme.hitTarget
                    Accessible.name: qsTr("Sign in to your team's server")
                    onClicked: root.openSyncRequested()
                }
                Button {
                    objectName: "settingsSyncButton"
                    visible: AppSync.signedIn
                    text: qsTr("Sync status…")
                    implicitHeight: Theme.hitTarget
                    Accessible.name: qsTr("Open the Sync page")
                    onClicked: root.openSyncRequested()
                }
                Button {
                    objectName: "settingsSignOutButton"
                    visible: AppSync.signedIn
                    text: qsTr("Sign out")
                    flat: true
                    enabled: !AppSync.busy
                    implicitHeight: Theme.hitTarget
                    Accessible.name: qsTr("Sign out of the server")
                    onClicked: AppSync.signOut()
                }
            }
            Label {
                Layout.fillWidth: true
                text: qsTr("Certificate pins: with any, only a server whose public key matches one is accepted (base64 SHA-256 of its SubjectPublicKeyInfo).")
                color: Theme.subtleText
                wrapMode: Text.WordWrap
            }
            Repeater {
                model: AppSync.pinnedKeys
                delegate: RowLayout {
                    id: pinRow
                    required property int index
                    required property string modelData
                    Layout.fillWidth: true
                    Label {
                        Layout.fillWidth: true
                        text: pinRow.modelData
                        font.family: "monospace"
                        wrapMode: Text.WrapAnywhere
                    }
                    ToolButton {
                        objectName: "removePin_" + pinRow.index
                        text: "\u2715"
                        implicitWidth: Theme.hitTarget
                        implicitHeight: Theme.hitTarget
                        Accessible.name: qsTr("Remove the pin %1").arg(pinRow.modelData)
                        onClicked: AppSync.removePinnedKey(pinRow.modelData)
                    }
                }
            }
            RowLayout {
                Layout.fillWidth: true
                TextField {
                    id: newPin
                    objectName: "newPinField"
                    Layout.fillWidth: true
                    implicitHeight: Theme.hitTarget
                    placeholderText: qsTr("Add a pin")
                    inputMethodHints: Qt.ImhNoAutoUppercase | Qt.ImhNoPredictiveText
                    Accessible.name: qsTr("New certificate pin")
                    onAccepted: addPin.clicked()
                }
                Button {
                    id: addPin
                    objectName: "addPinButton"
                    text: qsTr("Add")
                    implicitHeight: Theme.hitTarget
                    enabled: newPin.text.trim().length > 0
                    Accessible.name: qsTr("Add the pin")
                    onClicked: if (AppSync.addPinnedKey(newPin.text)) newPin.clear()
                }
            }
            Label {
                objectName: "pinError"
                Layout.fillWidth: true
                visible: AppSync.pinError.length > 0
                text: AppSync.pinError
                color: Theme.warning
                wrapMode: Text.WordWrap
            }

            Label {
                text: qsTr("Export and import")
                font.weight: Font.Medium
                Layout.topMargin: Theme.margin
            }
            Flow {
                Layout.fillWidth: true
                spacing: Theme.spacing
                ComboBox {
                    id: formatBox
                    objectName: "exportFormatBox"
                    implicitHeight: Theme.hitTarget
                    implicitWidth: 150
                    model: transfer.formats.map(f => root.formatLabels[f] || f) // qmllint disable type
                    Accessible.name: qsTr("Export format")
                }
                ComboBox {
                    id: entityBox
                    objectName: "exportEntityBox"
                    implicitHeight: Theme.hitTarget
                    implicitWidth: 200
                    model: [qsTr("All records")].concat(transfer.entities.map(e => root.entityLabels[e] || e)) // qmllint disable type
                    Accessible.name: qsTr("Records to export")
                }
                Button {
                    objectName: "exportButton"
                    text: qsTr("Export…")
                    implicitHeight: Theme.hitTarget
                    // A CSV file holds one kind of record.
                    enabled: transfer.formats[formatBox.currentIndex] !== "csv" || entityBox.currentIndex > 0
                    Accessible.name: qsTr("Export to a file")
                    onClicked: {
                        exportDialog.format = transfer.formats[formatBox.currentIndex]
                        exportDialog.entity = entityBox.currentIndex > 0 ? transfer.entities[entityBox.currentIndex - 1]
                                                                         : ""
                        exportDialog.selectedFile = transfer.suggestedFileUrl(exportDialog.format, exportDialog.entity)
                        exportDialog.open()
                    }
                }
            }
            Label {
                Layout.fillWidth: true
                visible: transfer.formats[formatBox.currentIndex] === "csv" && entityBox.currentIndex === 0
                text: qsTr("A CSV file holds one kind of record: choose which.")
                color: Theme.subtleText
                wrapMode: Text.WordWrap
            }
            Button {
                objectName: "importAccountsButton"
                text: qsTr("Import accounts from CSV…")
                implicitHeight: Theme.hitTarget
                Accessible.name: qsTr("Import accounts and contacts from a CSV file")
                onClicked: importDialog.open()
            }
            Label {
                objectName: "transferMessage"
                Layout.fillWidth: true
                visible: transfer.message.length > 0
                text: transfer.message
                color: transfer.failed ? Theme.warning : Theme.subtleText
                wrapMode: Text.WordWrap
            }
            Repeater {
                model: transfer.skippedRows
                delegate: Label {
                    required property var modelData
                    Layout.fillWidth: true
                    text: modelData.skipped ? qsTr("Line %1 skipped: %2").arg(modelData.line).arg(modelData.reason)
                                            : qsTr("Line %1, value left out: %2").arg(modelData.line).arg(modelData.reason)
                    color: modelData.skipped ? Theme.warning : Theme.subtleText
                    wrapMode: Text.WordWrap
                }
            }

            Label {
                text: qsTr("Security")
                font.weight: Font.Medium
                Layout.topMargin: Theme.margin
            }
            RowLayout {
                Layout.fillWidth: true
                Label {
                    Layout.fillWidth: true
                    text: qsTr("Lock when idle for")
                    wrapMode: Text.WordWrap
                }
                ComboBox {
                    objectName: "lockTimeoutBox"
                    implicitHeight: Theme.hitTarget
                    implicitWidth: 180
                    model: Preferences.lockTimeoutChoices
                    displayText: Preferences.lockTimeoutMinutes === 0 ? qsTr("Never")
                                                                      : qsTr("%n minute(s)", "", Preferences.lockTimeoutMinutes)
                    currentIndex: Preferences.lockTimeoutChoices.indexOf(Preferences.lockTimeoutMinutes) // qmllint disable type
                    Accessible.name: qsTr("Lock timeout")
                    delegate: ItemDelegate {
                        required property int modelData
                        width: ListView.view.width
                        text: modelData === 0 ? qsTr("Never") : qsTr("%n minute(s)", "", modelData)
                    }
                    onActivated: index => Preferences.lockTimeoutMinutes = Preferences.lockTimeoutChoices[index]
                }
            }
            Label {
                Layout.fillWidth: true
                text: qsTr("The app also locks when it is suspended or hidden.")
                color: Theme.subtleText
                wrapMode: Text.WordWrap
            }
            Button {
                objectName: "lockNowButton"
                text: qsTr("Lock now")
                implicitHeight: Theme.hitTarget
                Accessible.name: text
                onClicked: AppSession.lock()
            }

            Label {
                text: qsTr("Change the passphrase")
                font.weight: Font.Medium
                Layout.topMargin: Theme.margin
            }
            PassphraseField {
                id: current
                objectName: "currentPassphraseField"
                Layout.fillWidth: true
                placeholderText: qsTr("Current passphrase")
                Accessible.name: qsTr("Current passphrase")
            }
            PassphraseField {
                id: next
                objectName: "changedPassphraseField"
                Layout.fillWidth: true
                placeholderText: qsTr("New passphrase")
                Accessible.name: qsTr("New passphrase")
            }
            Label {
                Layout.fillWidth: true
                visible: next.text.length > 0
                text: AppSession.passphraseStrength(next.text).hint // qmllint disable type
                color: Theme.subtleText
                wrapMode: Text.WordWrap
            }
            PassphraseField {
                id: repeated
                objectName: "changedPassphraseRepeatField"
                Layout.fillWidth: true
                placeholderText: qsTr("Repeat the new passphrase")
                Accessible.name: qsTr("Repeat the new passphrase")
            }
            Label {
                Layout.fillWidth: true
                visible: AppSession.errorMessage.length > 0
                text: AppSession.errorMessage
                color: Theme.warning
                wrapMode: Text.WordWrap
            }
            Label {
                id: changed
                objectName: "passphraseChangedLabel"
                visible: false
                text: qsTr("The passphrase was changed.")
                color: Theme.success
            }
            Button {
                objectName: "changePassphraseButton"
                text: AppSession.busy ? qsTr("Changing\u2026") : qsTr("Change the passphrase")
                implicitHeight: Theme.hitTarget
                enabled: !AppSession.busy && current.text.length > 0 && next.text.length > 0
                Accessible.name: qsTr("Change the passphrase")
                onClicked: {
                    changed.visible = false
                    AppSession.changePassphrase(current.text, next.text, repeated.text)
                }
            }

            Label {
                text: qsTr("Appearance")
                font.weight: Font.Medium
                Layout.topMargin: Theme.margin
            }
            Switch {
                objectName: "darkThemeSwitch"
                text: qsTr("Dark theme")
                checked: Preferences.darkTheme
                implicitHeight: Theme.hitTarget
                Accessible.name: text
                onToggled: Preferences.darkTheme = checked
            }

            Label {
                text: qsTr("This device")
                font.weight: Font.Medium
                Layout.topMargin: Theme.margin
            }
            Label {
                Layout.fillWidth: true
                text: qsTr("Encrypted store: %1").arg(AppSession.storeDirectory)
                color: Theme.subtleText
                wrapMode: Text.WrapAnywhere
            }
            Label {
                Layout.fillWidth: true
                text: AppSession.remembered ? qsTr("The key is remembered in this device's keystore.")
                                            : qsTr("Only the passphrase unlocks the store.")
                color: Theme.subtleText
                wrapMode: Text.WordWrap
                Layout.bottomMargin: Theme.margin
            }
        }
    }
}
