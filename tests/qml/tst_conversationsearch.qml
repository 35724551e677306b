import QtQuick
import QtTest
import Fieldnotes

// Search as you type on the real conversations page: each keystroke updates the rows in place, so the delegates of
// conversations that stay are the same objects (moved, with their snippet updated), and every delegate shows the
// row at its index.
TestCase {
    id: testCase
    name: "ConversationSearch"
    when: windowShown
    visible: true
    width: 400
    height: 1400

    property var titles: ({})

    Component {
        id: editorComponent
        ConversationEditor {
            session: AppSession
        }
    }
    Component {
        id: pageComponent
        ConversationsPage {
            anchors.fill: parent
        }
    }
    Component {
        id: widePageComponent
        ConversationsPage { // list and capture side by side: a selected row stays in the list
            width: 1000
            height: 1400
        }
    }

    function newConversation(title, notes) {
        const editor = createTemporaryObject(editorComponent, testCase)
        const id = editor.createNew()
        editor.title = title
        editor.notes = notes
        verify(editor.save())
        titles[id] = title
        return id
    }

    // Every row has a delegate (the window is tall enough), showing that row; with a word, its snippet marks it.
    function verifyDelegates(list, word) {
        list.forceLayout()
        const model = list.model
        for (let row = 0; row < list.count; ++row) {
            const item = list.itemAtIndex(row)
            verify(item, "no delegate for row " + row)
            compare(item.index, row)
            compare(model.indexOf(item.conversationId), row)
            compare(item.title, titles[item.conversationId])
            if (word.length > 0)
                verify(item.snippetHtml.toLowerCase().indexOf("<b>" + word) >= 0, item.snippetHtml)
            else
                compare(item.snippetHtml, "")
        }
    }

    function test_searchKeepsTheDelegatesOfRowsThatStay() {
        const a = newConversation("Quokka marimba review", "Notes on a zephyr.")
        const b = newConversation("Zephyr planning", "Quokka and marimba.")
        const c = newConversation("Marimba", "Quokka.")
        const d = newConversation("Other", "Zephyr and marimba.")
        newConversation("Filler", "Nothing to find here.")
        const page = createTemporaryObject(pageComponent, testCase)
        const list = findChild(page, "conversationList")
        const field = findChild(page, "conversationSearchField")
        tryCompare(list, "count", 5)
        verifyDelegates(list, "")

        field.forceActiveFocus()
        for (const key of "quokka")
            keyClick(key)
        compare(page.model.searchText, "quokka")
        compare(list.count, 3)
        verifyDelegates(list, "quokka")
        const delegateA = list.itemAtIndex(page.model.indexOf(a))
        const delegateB = list.itemAtIndex(page.model.indexOf(b))

        field.text = "marimba" // a, b, c stay; d comes in
        compare(list.count, 4)
        verifyDelegates(list, "marimba")
        verify(list.itemAtIndex(page.model.indexOf(a)) === delegateA)
        verify(list.itemAtIndex(page.model.indexOf(b)) === delegateB)

        field.text = "zephyr" // c leaves, b's title puts it first
        compare(list.count, 3)
        compare(page.model.indexOf(b), 0)
        compare(page.model.indexOf(c), -1)
        verifyDelegates(list, "zephyr")
        verify(list.itemAtIndex(0) === delegateB)
        verify(list.itemAtIndex(page.model.indexOf(a)) === delegateA)

        keyClick(Qt.Key_Space)
        keyClick("q") // a one-letter word: the same query, the same rows
        compare(list.count, 3)
        verifyDelegates(list, "zephyr")

        field.text = ""
        compare(list.count, 5)
        verifyDelegates(list, "")
        verify(page.model.indexOf(d) >= 0)
    }

    function test_searchReusesDelegatesForTheRowsThatComeIn() {
        // (Runs after test_searchKeepsTheDelegatesOfRowsThatStay, which counts every conversation of the store.)
        // Two sets of conversations that share no word: a search for one replaces every row of the other. The list
        // reuses the delegates of rows that leave for rows that come in; each must show its new row, and only the
        // selected conversation's row is highlighted.
        const walruses = []
        const narwhals = []
        for (let i = 0; i < 8; ++i) {
            walruses.push(newConversation("Walrus visit " + i, "Tundra logistics, round " + i + "."))
            narwhals.push(newConversation("Narwhal visit " + i, "Fjord logistics, round " + i + "."))
        }
        const page = createTemporaryObject(widePageComponent, testCase)
        verify(page.wide)
        const list = findChild(page, "conversationList")
        const field = findChild(page, "conversationSearchField")
        field.forceActiveFocus()
        for (const key of "walrus")
            keyClick(key)
        compare(list.count, 8)
        verifyDelegates(list, "walrus")
        page.selectedId = walruses[3]
        const shown = []
        for (let row = 0; row < list.count; ++row) {
            const item = list.itemAtIndex(row)
            compare(item.highlighted, item.conversationId === walruses[3])
            shown.push(item)
        }

        field.text = "narwhal"
        compare(list.count, 8)
        verifyDelegates(list, "narwhal")
        for (let row = 0; row < list.count; ++row)
            verify(!list.itemAtIndex(row).highlighted, "row " + row + " is highlighted")

        field.text = "walrus"
        compare(list.count, 8)
        verifyDelegates(list, "walrus")
        let reused = 0
        for (let row = 0; row < list.count; ++row) {
            const item = list.itemAtIndex(row)
            compare(item.highlighted, item.conversationId === walruses[3])
            if (shown.indexOf(item) >= 0)
                ++reused
        }
        verify(reused > 0, "no delegate was reused")
    }
}
