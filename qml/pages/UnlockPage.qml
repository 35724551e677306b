import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Fieldnotes

// The locked app: nothing of the notes, only the way back in.
Page {
    id: root

    objectName: "unlockPage"
    header: AppHeader {
        title: qsTr("Fieldnotes is locked")
    }

    Component.onCompleted: passphrase.forceActiveFocus()

    ColumnLayout {
        width: Math.min(parent.width - 2 * Theme.margin, 420)
        anchors.centerIn: parent
        spacing: Theme.spacing

        Label {
            Layout.fillWidth: true
            text: qsTr("Enter your passphrase to open your notes.")
            wrapMode: Text.WordWrap
            font.pixelSize: 16
        }
        PassphraseField {
            id: passphrase
            objectName: "unlockPassphraseField"
            Layout.fillWidth: true
            placeholderText: qsTr("Passphrase")
            Accessible.name: qsTr("Passphrase")
            enabled: !AppSession.busy
            onAccepted: unlockButton.clicked()
        }
        Label {
            objectName: "unlockError"
            Layout.fillWidth: true
            visible: AppSession.errorMessage.length > 0
            text: AppSession.errorMessage
            color: Theme.warning
            wrapMode: Text.WordWrap
        }
        Label {
            objectName: "retryDelayLabel"
            Layout.fillWidth: true
            visible: AppSession.retrySeconds > 0
            text: qsTr("Too many attempts: try again in %n second(s).", "", AppSession.retrySeconds)
            color: Theme.warning
            wrapMode: Text.WordWrap
        }
        Button {
            id: unlockButton
            objectName: "unlockButton"
            Layout.fillWidth: true
            implicitHeight: Theme.hitTarget
            text: AppSession.busy ? qsTr("Unlocking\u2026") : qsTr("Unlock")
            highlighted: true
            enabled: !AppSession.busy && AppSession.retrySeconds === 0 && passphrase.text.length > 0
            Accessible.name: qsTr("Unlock")
            onClicked: {
                AppSession.unlock(passphrase.text)
                passphrase.clear()
            }
        }
        Button {
            objectName: "keystoreUnlockButton"
            Layout.fillWidth: true
            implicitHeight: Theme.hitTarget
            visible: AppSession.remembered
            flat: true
            text: qsTr("Unlock with this device's keystore")
            enabled: !AppSession.busy
            Accessible.name: text
            onClicked: AppSession.unlockWithKeystore()
        }
        BusyIndicator {
            Layout.alignment: Qt.AlignHCenter
            running: AppSession.busy
            visible: running
        }
        Label {
            objectName: "upgradingLabel"
            Layout.fillWidth: true
            visible: AppSession.upgrading
            text: qsTr("Updating the search index for this version. On a large store this takes up to a minute.")
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.WordWrap
        }
    }
}
