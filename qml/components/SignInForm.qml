import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Fieldnotes

// Sign in to the team's server: address, e-mail, password and optional certificate pins, through AppSync (the first
// run and the Sync page use this one form). The client's own checks (http:// only to this computer, wrong password,
// server unreachable, a bad pin) come back as AppSync.signInError and are shown as they are.
ColumnLayout {
    id: root

    // Emitted after a successful sign-in (the password field is already cleared).
    signal signedIn

    spacing: Theme.spacing

    Connections {
        target: AppSync
        function onSignInFinished(ok) {
            password.clear()
            if (ok)
                root.signedIn()
        }
    }

    TextField {
        id: server
        objectName: "serverField"
        Layout.fillWidth: true
        implicitHeight: Theme.hitTarget
        placeholderText: qsTr("Server, e.g. https://fieldnotes.example.com")
        inputMethodHints: Qt.ImhUrlCharactersOnly | Qt.ImhNoAutoUppercase
        enabled: !AppSync.busy
        Accessible.name: qsTr("Server address")
    }
    TextField {
        id: email
        objectName: "emailField"
        Layout.fillWidth: true
        implicitHeight: Theme.hitTarget
        placeholderText: qsTr("E-mail")
        inputMethodHints: Qt.ImhEmailCharactersOnly | Qt.ImhNoAutoUppercase
        enabled: !AppSync.busy
        Accessible.name: qsTr("E-mail")
    }
    TextField {
        id: password
        objectName: "passwordField"
        Layout.fillWidth: true
        implicitHeight: Theme.hitTarget
        placeholderText: qsTr("Password")
        echoMode: TextInput.Password
        enabled: !AppSync.busy
        Accessible.name: qsTr("Password")
        onAccepted: signIn.clicked()
    }
    CheckBox {
        id: pinToggle
        objectName: "pinToggle"
        Layout.fillWidth: true
        implicitHeight: Theme.hitTarget
        text: qsTr("Pin the server's certificate key (optional)")
        Accessible.name: text
    }
    TextArea {
        id: pins
        objectName: "pinsField"
        Layout.fillWidth: true
        visible: pinToggle.checked
        placeholderText: qsTr("Base64 SHA-256 of the server's public key; one a line")
        wrapMode: TextEdit.WrapAnywhere
        inputMethodHints: Qt.ImhNoAutoUppercase | Qt.ImhNoPredictiveText
        Accessible.name: qsTr("Certificate pins")
    }
    Label {
        objectName: "signInError"
        Layout.fillWidth: true
        visible: AppSync.signInError.length > 0
        text: AppSync.signInError
        color: Theme.warning
        wrapMode: Text.WordWrap
    }
    Button {
        id: signIn
        objectName: "signInButton"
        Layout.fillWidth: true
        text: AppSync.busy ? qsTr("Signing in\u2026") : qsTr("Sign in")
        enabled: !AppSync.busy && server.text.length > 0 && email.text.length > 0 && password.text.length > 0
        highlighted: true
        implicitHeight: Theme.hitTarget
        Accessible.name: qsTr("Sign in")
        onClicked: AppSync.signIn(server.text, email.text, password.text, pinToggle.checked ? pins.text : "")
    }
    BusyIndicator {
        Layout.alignment: Qt.AlignHCenter
        running: AppSync.busy
        visible: running
    }
}
