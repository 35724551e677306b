import QtQuick
import QtTest
import Fieldnotes

// Deleting from the UI: a confirmation first (cancel changes nothing), a conversation's insights only when the box
// is checked, and the deleted records leave the lists. (That they are in the outbox as deletes and reach the server:
// tst_synccontroller.)
TestCase {
    id: testCase
    name: "DeleteRecords"
    when: windowShown
    visible: true
    width: 400
    height: 1400

    Component {
        id: editorComponent
        ConversationEditor {
            session: AppSession
        }
    }
    Component {
        id: pageComponent
        CapturePage {
            anchors.fill: parent
        }
    }
    Component {
        id: conversationsComponent
        ConversationListModel {
            session: AppSession
        }
    }
    Component {
        id: insightsComponent
        InsightListModel {
            session: AppSession
        }
    }
    Component {
        id: actionsComponent
        RecordActions {
            session: AppSession
        }
    }
    Component {
        id: spyComponent
        SignalSpy {}
    }

    function newConversation(title, insightCount) {
        const editor = createTemporaryObject(editorComponent, testCase)
        const id = editor.createNew()
        editor.title = title
        for (let i = 0; i < insightCount; ++i)
            verify(editor.addInsight("need", "insight " + i + " of " + title, "", 3, []).length > 0)
        verify(editor.save())
        return id
    }

    function deleteThroughPage(id, withInsights, cancel) {
        const page = createTemporaryObject(pageComponent, testCase, { conversationId: id })
        const deleted = createTemporaryObject(spyComponent, testCase, { target: page, signalName: "deleted" })
        mouseClick(findChild(page, "conversationMenuButton"))
        const item = findChild(page, "deleteConversationButton")
        tryVerify(() => item.visible)
        mouseClick(item)
        const dialog = findChild(page, "deleteConversationDialog")
        tryCompare(dialog, "opened", true)
        const option = findChild(dialog, "confirmDeleteOption")
        verify(option.visible)
        compare(option.checked, false) // insights stay unless asked (decision 0012)
        if (withInsights)
            mouseClick(option)
        const button = findChild(dialog, cancel ? "confirmDeleteCancel" : "confirmDeleteButton")
        verify(button.height >= 48)
        mouseClick(button)
        tryCompare(dialog, "visible", false)
        compare(deleted.count, cancel ? 0 : 1)
    }

    function test_deleteConversation() {
        const conversations = createTemporaryObject(conversationsComponent, testCase)
        const insights = createTemporaryObject(insightsComponent, testCase)
        const actions = createTemporaryObject(actionsComponent, testCase)
        const before = conversations.count
        const insightsBefore = insights.count
        const keep = newConversation("Keep its insights", 2)
        const drop = newConversation("Drop its insights", 1)
        tryCompare(conversations, "count", before + 2)
        tryCompare(insights, "count", insightsBefore + 3)

        deleteThroughPage(keep, false, true) // cancelled: nothing changes
        compare(conversations.count, before + 2)
        verify(Object.keys(actions.fields("conversation", keep)).length > 0)

        deleteThroughPage(keep, false, false)
        tryCompare(conversations, "count", before + 1)
        compare(insights.count, insightsBefore + 3)
        compare(Object.keys(actions.fields("conversation", keep)).length, 0)

        deleteThroughPage(drop, true, false)
        tryCompare(conversations, "count", before)
        tryCompare(insights, "count", insightsBefore + 2)
    }
}
