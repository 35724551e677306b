import QtQuick
import QtQuick.Controls
import QtTest
import Fieldnotes

// Counts read as English, "1 insight" and "2 insights", never "insight(s)": the plural forms of the English
// translation, which the test harness loads as main() does.
TestCase {
    id: testCase
    name: "Plurals"
    when: windowShown
    visible: true
    width: 800
    height: 900

    Component {
        id: actionsComponent
        RecordActions {
            session: AppSession
        }
    }
    Component {
        id: conversationComponent
        ConversationDelegate {
            index: 0
            conversationId: "c"
            title: "Plant visit"
            accountName: "Acme Tools"
            dateText: "today"
            channelLabel: "In person"
            snippetHtml: ""
            insightCount: 0
            width: 600
        }
    }
    Component {
        id: accountsComponent
        AccountsPage {
            width: testCase.width
            height: testCase.height
            role: "marketer"
        }
    }
    Component {
        id: settingsComponent
        SettingsPage {
            width: testCase.width
            height: testCase.height
        }
    }

    function init() {
        failOnWarning(/.*/)
    }

    function test_conversationRow_data() {
        return [
            { tag: "none", count: 0, text: "0 insights" },
            { tag: "one", count: 1, text: "1 insight" },
            { tag: "two", count: 2, text: "2 insights" }
        ]
    }

    function test_conversationRow(data) {
        const row = createTemporaryObject(conversationComponent, testCase, { insightCount: data.count })
        verify(row)
        compare(findChild(row, "conversationDetails").text, "Acme Tools · In person · " + data.text)
    }

    function test_accountRow() {
        const actions = createTemporaryObject(actionsComponent, testCase)
        const account = actions.save("account", "", { name: "Polar Foods" })
        verify(account.length > 0)
        const conversation = actions.save("conversation", "", { account_id: account, title: "Warehouse walk" })
        verify(conversation.length > 0)
        verify(actions.save("insight", "", { account_id: account, conversation_id: conversation, kind: "need",
                                             text: "Scanning in the cold" }).length > 0)
        verify(actions.save("insight", "", { account_id: account, kind: "pain", text: "Lost signal" }).length > 0)
        verify(actions.save("lead", "", { account_id: account, recommendation: "Offer the bundle", priority: 1,
                                          status: "open" }).length > 0)
        const page = createTemporaryObject(accountsComponent, testCase)
        let summary = null
        tryVerify(() => {
            const row = findChild(page, "account_0")
            summary = row ? findChild(row, "accountSummary") : null
            return summary !== null && summary.text.length > 0
        })
        compare(summary.text, "1 conversation · 2 insights · 1 open lead")
    }

    function test_lockTimeout() {
        const page = createTemporaryObject(settingsComponent, testCase)
        const box = findChild(page, "lockTimeoutBox")
        verify(box)
        const before = Preferences.lockTimeoutMinutes
        Preferences.lockTimeoutMinutes = 1
        compare(box.displayText, "1 minute")
        Preferences.lockTimeoutMinutes = 5
        compare(box.displayText, "5 minutes")
        Preferences.lockTimeoutMinutes = before
    }
}
