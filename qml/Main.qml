import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Fieldnotes

// The window: the first-run and unlock screens, or (unlocked) the app with its navigation. Locking unloads every
// page, so nothing of the data stays on screen or in the scene.
ApplicationWindow {
    id: window

    // The sync engine puts its status indicator here; every page's header shows it (AppHeader).
    property Component syncIndicator: Component {
        SyncIndicator {}
    }
    readonly property bool unlocked: AppSession.state === Session.Unlocked
    readonly property bool rail: width >= Theme.railWidth

    // Ctrl+R.
    signal syncRequested

    onSyncRequested: AppSync.syncNow()

    width: 1200
    height: 800
    minimumWidth: 360
    minimumHeight: 520
    visible: true
    title: qsTr("Fieldnotes")
    Material.theme: Preferences.darkTheme ? Material.Dark : Material.Light
    Material.accent: Theme.accent
    Material.primary: Theme.accent

    Shortcut {
        sequence: "Ctrl+N"
        enabled: window.unlocked
        onActivated: shell.item.newConversation()
    }
    Shortcut {
        sequence: "Ctrl+F"
        enabled: window.unlocked
        onActivated: shell.item.focusSearch()
    }
    Shortcut {
        sequence: "Ctrl+R"
        enabled: window.unlocked
        onActivated: window.syncRequested()
    }
    Shortcut {
        sequence: "Ctrl+L"
        enabled: window.unlocked
        onActivated: AppSession.lock()
    }

    Connections {
        target: AppSync
        function onRevoked() {
            revokedDialog.open()
        }
    }
    Dialog {
        id: revokedDialog
        objectName: "revokedDialog"
        anchors.centerIn: parent
        modal: true
        title: qsTr("This device was revoked")
        standardButtons: Dialog.Ok
        Label {
            width: Math.min(window.width - 64, 420)
            wrapMode: Text.WordWrap
            text: qsTr("An administrator revoked this device, so its encrypted store and keys were deleted. What was synced is safe on the server.")
        }
    }

    Loader {
        id: shell
        objectName: "shellLoader"
        anchors.fill: parent
        sourceComponent: AppSession.state === Session.NoStore ? setup
                       : AppSession.state === Session.Locked ? unlock : app
    }

    Component {
        id: setup
        SetupPage {}
    }
    Component {
        id: unlock
        UnlockPage {}
    }
    Component {
        id: app
        Item {
            id: appRoot

            property int section: 0
            readonly property var sections: [qsTr("Conversations"), qsTr("Insights"), qsTr("Accounts"), qsTr("Sync"),
                qsTr("Settings")]
            readonly property var glyphs: ["\u270E", "\u2605", "\u25A4", "\u21C5", "\u2699"]

            function newConversation() {
                section = 0
                conversationsPage.newConversation()
            }
            function focusSearch() {
                if (section === 0)
                    conversationsPage.focusSearch()
                else if (section === 2)
                    accountsPage.focusSearch()
                else {
                    section = 0
                    conversationsPage.focusSearch()
                }
            }

            RowLayout {
                anchors.fill: parent
                spacing: 0

                // Desktop and landscape tablets: a navigation rail on the left.
                Pane {
                    Layout.fillHeight: true
                    visible: window.rail
                    padding: 0
                    Material.elevation: 1
                    ColumnLayout {
                        spacing: 0
                        Repeater {
                            model: appRoot.sections
                            delegate: ItemDelegate {
                                required property int index
                                required property string modelData
                                objectName: "rail_" + index
                                Layout.preferredWidth: 200
                                implicitHeight: 56
                                text: appRoot.glyphs[index] + "   " + modelData
                                highlighted: appRoot.section === index
                                Accessible.name: modelData
                                onClicked: appRoot.section = index
                            }
                        }
                    }
                }

                ColumnLayout {
                    Layout.fillWidth: true
                    Layout.fillHeight: true
                    spacing: 0

                    StackLayout {
                        Layout.fillWidth: true
                        Layout.fillHeight: true
                        currentIndex: appRoot.section
                        ConversationsPage {
                            id: conversationsPage
                        }
                        InsightsPage {}
                        AccountsPage {
                            id: accountsPage
                            onOpenConversation: id => {
                                appRoot.section = 0
                                conversationsPage.open(id)
                            }
                        }
                        SyncPage {}
                        SettingsPage {}
                    }

                    // Phones and portrait tablets: bottom navigation.
                    TabBar {
                        id: tabs
                        objectName: "bottomNavigation"
                        Layout.fillWidth: true
                        visible: !window.rail
                        currentIndex: appRoot.section
                        onCurrentIndexChanged: appRoot.section = currentIndex
                        Repeater {
                            model: appRoot.sections
                            delegate: TabButton {
                                required property int index
                                required property string modelData
                                objectName: "tab_" + index
                                text: modelData
                                implicitHeight: 56
                                Accessible.name: modelData
                            }
                        }
                    }
                }
            }
        }
    }
}
