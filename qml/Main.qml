pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Fieldnotes

// The window: the first-run and unlock screens, or (unlocked) the app with its navigation. Locking unloads every
// page, so nothing of the data stays on screen or in the scene.
ApplicationWindow {
    id: window

    readonly property bool unlocked: AppSession.state === AppSession.Unlocked
    // The first run chose "sign in": the setup page stays up after the store opens, for the sign-in step.
    property bool firstRunSignIn: false
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

    BoundLoader {
        id: shell
        objectName: "shellLoader"
        anchors.fill: parent
        // From the state itself, not `window.unlocked`: that binding may not have caught up when this one runs, and
        // the first run's sign-in step would briefly build (and drop) the whole app when the store opens.
        sourceComponent: AppSession.state === AppSession.NoStore
                         || (window.firstRunSignIn && AppSession.state === AppSession.Unlocked) ? setup
                       : AppSession.state === AppSession.Locked ? unlock : app
    }

    Component {
        id: setup
        SetupPage {
            onServerChosenChanged: if (!storeReady) window.firstRunSignIn = serverChosen
            onFinished: window.firstRunSignIn = false
        }
    }
    Component {
        id: unlock
        UnlockPage {}
    }
    Component {
        id: app
        Item {
            id: appRoot

            // The index of the shown page in the StackLayout; `sections` and `glyphs` follow its order.
            property int section: 0
            readonly property var sections: [qsTr("Conversations"), qsTr("Insights"), qsTr("Accounts"), qsTr("Sync"),
                qsTr("Settings"), qsTr("Leads")]
            readonly property var glyphs: ["\u270E", "\u2605", "\u25A4", "\u21C5", "\u2699", "\u2691"]
            // What the navigation offers, in its order: a sales rep never receives conversations, so no capture.
            readonly property bool sales: !rolePolicy.canCapture
            readonly property var navigation: sales ? [2, 5, 1, 3, 4] : [0, 1, 2, 5, 3, 4]

            function newConversation() {
                const page = conversationsLoader.item as ConversationsPage
                if (sales || !page)
                    return
                section = 0
                page.newConversation()
            }
            function openConversation(conversationId: string) {
                const page = conversationsLoader.item as ConversationsPage
                if (sales || !page)
                    return
                section = 0
                page.open(conversationId)
            }
            function focusSearch() {
                const page = conversationsLoader.item as ConversationsPage
                if (section === 2 || sales || !page) {
                    section = 2
                    accountsPage.focusSearch()
                } else {
                    section = 0
                    page.focusSearch()
                }
            }

            // Sales opens on the accounts (their briefs); marketing on the conversations.
            Component.onCompleted: if (sales) section = 2
            onSalesChanged: if (sales && section === 0) section = 2

            RolePolicy {
                id: rolePolicy
                role: AppSync.role
            }
            // Here, not on the window: they exist only while the app (not the first-run or unlock screen) is shown.
            Shortcut {
                sequence: "Ctrl+N"
                onActivated: appRoot.newConversation()
            }
            Shortcut {
                sequence: "Ctrl+F"
                onActivated: appRoot.focusSearch()
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
                            model: appRoot.navigation
                            delegate: ItemDelegate {
                                required property int modelData
                                objectName: "rail_" + modelData
                                Layout.preferredWidth: 200
                                implicitHeight: 56
                                text: appRoot.glyphs[modelData] + "   " + appRoot.sections[modelData]
                                highlighted: appRoot.section === modelData
                                Accessible.name: appRoot.sections[modelData]
                                onClicked: appRoot.section = modelData
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
                        // Never made for sales: no conversation is read, listed or kept in the scene on their device.
                        BoundLoader {
                            id: conversationsLoader
                            objectName: "conversationsLoader"
                            active: !appRoot.sales
                            sourceComponent: ConversationsPage {}
                        }
                        InsightsPage {}
                        AccountsPage {
                            id: accountsPage
                            onOpenConversation: id => appRoot.openConversation(id)
                            onOpenLead: id => {
                                appRoot.section = 5
                                leadsPage.open(id)
                            }
                            onNewLeadRequested: id => {
                                appRoot.section = 5
                                leadsPage.newLead(id)
                            }
                        }
                        SyncPage {}
                        SettingsPage {
                            onOpenSyncRequested: appRoot.section = appRoot.sections.indexOf(qsTr("Sync"))
                        }
                        LeadsPage {
                            id: leadsPage
                        }
                    }

                    // Phones and portrait tablets: bottom navigation.
                    TabBar {
                        id: tabs

                        // The width each section's label needs (its tab reports it): a tab is as wide as its label,
                        // at least a hit target, and what is left is shared out evenly, so six whole labels
                        // ("Conversations" is twice as long as "Sync") fit a 360 px phone. Narrower, the tabs
                        // shrink in proportion and the labels elide.
                        property var needs: ({})
                        readonly property real neededWidth: appRoot.navigation.reduce(
                            (sum, section) => sum + (tabs.needs[section] || Theme.hitTarget), 0)
                        readonly property real freeWidth: availableWidth
                                                          - spacing * Math.max(0, appRoot.navigation.length - 1)

                        function setNeed(section: int, need: real) {
                            if (needs[section] === need)
                                return
                            const next = Object.assign({}, needs)
                            next[section] = need
                            needs = next
                        }
                        function tabWidth(section: int): real {
                            const need = needs[section] || Theme.hitTarget
                            const spare = freeWidth - neededWidth
                            return spare >= 0 ? need + spare / appRoot.navigation.length
                                              : Math.max(0, freeWidth) * need / neededWidth
                        }

                        objectName: "bottomNavigation"
                        // From what the labels need, not from the tabs' widths (which follow the bar's own).
                        contentWidth: neededWidth + spacing * Math.max(0, appRoot.navigation.length - 1)
                        Layout.fillWidth: true
                        visible: !window.rail
                        currentIndex: appRoot.navigation.indexOf(appRoot.section)
                        Repeater {
                            model: appRoot.navigation
                            delegate: TabButton {
                                id: tab
                                required property int modelData
                                // Its label's natural width, which the label reports (ids stay out of the deferred
                                // contentItem).
                                property real labelWidth: 0
                                // Room for the whole label, and at least a hit target.
                                readonly property real need: Math.max(Theme.hitTarget,
                                                                      Math.ceil(labelWidth) + leftPadding + rightPadding)
                                objectName: "tab_" + modelData
                                text: appRoot.sections[modelData]
                                width: tabs.tabWidth(modelData)
                                implicitHeight: 56
                                padding: 2
                                Accessible.name: text
                                onClicked: appRoot.section = modelData
                                onNeedChanged: tabs.setNeed(modelData, need)
                                Component.onCompleted: tabs.setNeed(modelData, need)
                                contentItem: Item {
                                    Column {
                                        anchors.verticalCenter: parent.verticalCenter
                                        width: parent.width
                                        spacing: 0
                                        Label {
                                            width: parent.width
                                            horizontalAlignment: Text.AlignHCenter
                                            text: appRoot.glyphs[tab.modelData]
                                            font.pixelSize: 18
                                            color: tab.checked ? tab.Material.accentColor : tab.Material.foreground
                                            Accessible.ignored: true
                                        }
                                        Label {
                                            objectName: "tabLabel_" + tab.modelData
                                            width: parent.width
                                            horizontalAlignment: Text.AlignHCenter
                                            text: tab.text
                                            // Material's navigation label: 12 px, under an 18 px glyph.
                                            font.pixelSize: 12
                                            elide: Text.ElideRight
                                            color: tab.checked ? tab.Material.accentColor : tab.Material.foreground
                                            Accessible.ignored: true
                                            onImplicitWidthChanged: tab.labelWidth = implicitWidth
                                            Component.onCompleted: tab.labelWidth = implicitWidth
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
