import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Fieldnotes

// First run: choose how to use Fieldnotes (sign in to the team's server, or stay local-only), create the encrypted
// store with a passphrase, then (server chosen) sign in with the same form as the Sync page. Main.qml keeps this
// page up after the store opens while serverChosen is set, until finished().
Page {
    id: root

    // "" (step 1: choose), "local" or "server" (step 2: the passphrase).
    property string mode: ""
    readonly property bool serverChosen: mode === "server"
    // Step 3: the store is open; sign in, or go on local-only.
    readonly property bool storeReady: AppSession.state === AppSession.Unlocked
    readonly property bool localChosen: mode.length > 0 && !storeReady
    readonly property var strength: AppSession.passphraseStrength(passphrase.text)

    // The first run is over: signed in, or the user went on local-only.
    signal finished

    objectName: "setupPage"
    header: AppHeader {
        title: root.storeReady ? qsTr("Sign in") : qsTr("Welcome to Fieldnotes")
        showBack: root.localChosen && !AppSession.busy
        onBackClicked: root.mode = ""
    }

    Flickable {
        id: flick
        anchors.fill: parent
        contentHeight: column.implicitHeight + 2 * Theme.margin
        clip: true
        ScrollBar.vertical: ScrollBar {}

        ColumnLayout {
            id: column
            width: Math.min(flick.width - 2 * Theme.margin, 520)
            x: (flick.width - width) / 2
            spacing: Theme.margin

            Item {
                implicitHeight: Theme.margin
            }
            Label {
                Layout.fillWidth: true
                text: qsTr("Capture customer conversations in the field, offline. Everything on this device is encrypted.")
                wrapMode: Text.WordWrap
                font.pixelSize: 16
            }

            // Step 1: where the notes live.
            ColumnLayout {
                Layout.fillWidth: true
                visible: root.mode.length === 0 && !root.storeReady
                spacing: Theme.spacing
                Button {
                    objectName: "signInChoiceButton"
                    Layout.fillWidth: true
                    implicitHeight: Theme.hitTarget
                    text: qsTr("Sign in to your team's server")
                    highlighted: true
                    Accessible.name: text
                    onClicked: {
                        root.mode = "server"
                        passphrase.forceActiveFocus()
                    }
                }
                Label {
                    Layout.fillWidth: true
                    text: qsTr("Insights reach your team and their insights reach you. This device keeps an encrypted copy that works offline.")
                    wrapMode: Text.WordWrap
                    color: Theme.subtleText
                }
                Button {
                    objectName: "stayLocalButton"
                    Layout.fillWidth: true
                    implicitHeight: Theme.hitTarget
                    text: qsTr("Stay local-only")
                    Accessible.name: text
                    onClicked: {
                        root.mode = "local"
                        passphrase.forceActiveFocus()
                    }
                }
                Label {
                    Layout.fillWidth: true
                    text: qsTr("Your notes stay on this device. You can connect to your team's server later.")
                    wrapMode: Text.WordWrap
                    color: Theme.subtleText
                }
            }

            // Step 2: the passphrase that seals the store's key.
            ColumnLayout {
                Layout.fillWidth: true
                visible: root.localChosen
                spacing: Theme.spacing
                Label {
                    Layout.fillWidth: true
                    text: root.serverChosen
                          ? qsTr("First, a passphrase for this device's encrypted store; then you sign in. It unlocks your notes here; nobody can recover it for you.")
                          : qsTr("Choose a passphrase. It unlocks your notes; nobody can recover it for you.")
                    wrapMode: Text.WordWrap
                }
                PassphraseField {
                    id: passphrase
                    objectName: "newPassphraseField"
                    Layout.fillWidth: true
                    placeholderText: qsTr("Passphrase")
                    Accessible.name: qsTr("New passphrase")
                    enabled: !AppSession.busy
                }
                ProgressBar {
                    Layout.fillWidth: true
                    from: 0
                    to: 4
                    value: root.strength.score
                    Accessible.name: qsTr("Passphrase strength")
                }
                Label {
                    objectName: "strengthHint"
                    Layout.fillWidth: true
                    text: passphrase.text.length > 0 ? root.strength.hint
                                                     : qsTr("A few unrelated words make a strong passphrase.")
                    wrapMode: Text.WordWrap
                    color: root.strength.score >= 3 ? Theme.success : Theme.subtleText
                }
                PassphraseField {
                    id: repeated
                    objectName: "repeatPassphraseField"
                    Layout.fillWidth: true
                    placeholderText: qsTr("Repeat the passphrase")
                    Accessible.name: qsTr("Repeat the passphrase")
                    enabled: !AppSession.busy
                    onAccepted: createButton.clicked()
                }
                CheckBox {
                    id: remember
                    objectName: "rememberCheckBox"
                    Layout.fillWidth: true
                    text: qsTr("Remember on this device (unlock without the passphrase)")
                    implicitHeight: Theme.hitTarget
                    Accessible.name: text
                }
                Label {
                    objectName: "setupError"
                    Layout.fillWidth: true
                    visible: AppSession.errorMessage.length > 0
                    text: AppSession.errorMessage
                    color: Theme.warning
                    wrapMode: Text.WordWrap
                }
                Button {
                    id: createButton
                    objectName: "createStoreButton"
                    Layout.fillWidth: true
                    implicitHeight: Theme.hitTarget
                    text: AppSession.busy ? qsTr("Creating the encrypted store\u2026") : qsTr("Create the encrypted store")
                    highlighted: true
                    enabled: !AppSession.busy && root.strength.score > 0 && repeated.text.length > 0
                    Accessible.name: qsTr("Create the encrypted store")
                    onClicked: AppSession.createStore(passphrase.text, repeated.text, remember.checked)
                }
                BusyIndicator {
                    Layout.alignment: Qt.AlignHCenter
                    running: AppSession.busy
                    visible: running
                }
            }

            // Step 3: the store is open; sign in (AppSync, as on the Sync page), or go on local-only.
            ColumnLayout {
                objectName: "firstRunSignIn"
                Layout.fillWidth: true
                visible: root.storeReady
                spacing: Theme.spacing
                Label {
                    Layout.fillWidth: true
                    text: qsTr("Your encrypted store is ready. Sign in to your team's server:")
                    wrapMode: Text.WordWrap
                }
                SignInForm {
                    Layout.fillWidth: true
                    onSignedIn: root.finished()
                }
                Button {
                    objectName: "continueLocalButton"
                    Layout.fillWidth: true
                    implicitHeight: Theme.hitTarget
                    flat: true
                    enabled: !AppSync.busy
                    text: qsTr("Not now: continue local-only")
                    Accessible.name: qsTr("Continue local-only; sign in later on the Sync page")
                    onClicked: root.finished()
                }
            }
        }
    }
}
