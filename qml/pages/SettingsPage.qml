pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Fieldnotes

// Settings: when the app locks itself, the passphrase, the theme. Server settings join with the sync engine.
Page {
    id: root

    objectName: "settingsPage"

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
                    currentIndex: Preferences.lockTimeoutChoices.indexOf(Preferences.lockTimeoutMinutes)
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
                text: AppSession.passphraseStrength(next.text).hint
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
