import QtQuick
import QtQuick.Controls

// A passphrase: hidden, never predicted, remembered or auto-capitalised by an input method.
TextField {
    echoMode: TextInput.Password
    inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText | Qt.ImhNoAutoUppercase | Qt.ImhHiddenText
    selectByMouse: true
    Accessible.passwordEdit: true
}
