<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>AlertBanner</name>
    <message>
        <source>Got it</source>
        <extracomment>A text for the clerk, or how to make it again in the language of the moment (a language switch re-renders what is on screen: notices, banners and dialogs).</extracomment>
        <translation>知道了</translation>
    </message>
</context>
<context>
    <name>Banners</name>
    <message>
        <source>receipt</source>
        <translation>收据</translation>
    </message>
    <message>
        <source>payment slip</source>
        <translation>付款单</translation>
    </message>
    <message>
        <source>refund slip</source>
        <translation>退款单</translation>
    </message>
    <message>
        <source>report</source>
        <translation>报表</translation>
    </message>
</context>
<context>
    <name>CartView</name>
    <message>
        <source>Item</source>
        <extracomment>How long a removed line or a cleared cart can be brought back.</extracomment>
        <translation>商品</translation>
    </message>
    <message>
        <source>Qty</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Tap to type the quantity</source>
        <translation>点按输入数量</translation>
    </message>
</context>
<context>
    <name>CatalogView</name>
    <message>
        <source>Other</source>
        <extracomment>An item name gets at most this many lines on a tile (a price line follows). A tile is at least this many line heights wide (about eight Chinese characters). The category row shows at most this many rows of buttons; more scroll, with the scroll bar showing.</extracomment>
        <translation>其他</translation>
    </message>
</context>
<context>
    <name>CodePayPanel</name>
    <message>
        <source>WeChat payment code ending {0}</source>
        <translation>微信付款码 尾号 {0}</translation>
    </message>
    <message>
        <source>Not settled yet: the manager has been told to check it</source>
        <translation>尚未了结：已提醒店长核查</translation>
    </message>
    <message>
        <source>WeChat Pay is reversing the payment…</source>
        <translation>微信支付正在撤销这笔付款…</translation>
    </message>
    <message>
        <source>Waiting for the payment server…</source>
        <translation>正在等待收款服务器…</translation>
    </message>
    <message>
        <source>The code is charged once the payment server answers. You can cancel.</source>
        <translation>收款服务器一恢复就扣款，可以取消。</translation>
    </message>
    <message>
        <source>The customer is entering the payment password</source>
        <translation>顾客正在输入支付密码</translation>
    </message>
    <message>
        <source>Charging…</source>
        <translation>正在收款…</translation>
    </message>
    <message>
        <source>Waiting for WeChat Pay&apos;s answer…</source>
        <translation>正在等待微信支付的结果…</translation>
    </message>
    <message>
        <source>Waiting at most {0} more, then the payment is reversed</source>
        <translation>最多再等 {0}，之后自动撤销</translation>
    </message>
</context>
<context>
    <name>CustomerDisplay</name>
    <message>
        <source>Scan with WeChat to pay</source>
        <translation>请用微信扫码支付</translation>
    </message>
    <message>
        <source>Thank you!</source>
        <translation>谢谢惠顾！</translation>
    </message>
    <message>
        <source>Welcome</source>
        <translation>欢迎光临</translation>
    </message>
    <message>
        <source>Payment received</source>
        <translation>支付成功</translation>
    </message>
    <message>
        <source>Please enter your payment password on your phone</source>
        <translation>请在手机上输入支付密码</translation>
    </message>
    <message>
        <source>Charging your payment code, please wait…</source>
        <translation>正在扣款，请稍候…</translation>
    </message>
    <message>
        <source>Preparing your payment code, please wait…</source>
        <translation>正在生成付款码，请稍候…</translation>
    </message>
    <message>
        <source>{0} items</source>
        <translation>共 {0} 件</translation>
    </message>
    <message>
        <source>Total {0}</source>
        <translation>合计 {0}</translation>
    </message>
    <message>
        <source>Time left {0}</source>
        <translation>剩余 {0}</translation>
    </message>
</context>
<context>
    <name>Keypad</name>
    <message>
        <source>Delete</source>
        <extracomment>Rows of keys: single characters type themselves, BACKSPACE and CLEAR edit, ENTER only reports itself. A key repeated next to itself is one key that many columns wide. For the scan/search field: codes and pinyin initials (the field has its own clear button).</extracomment>
        <translation>删除</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Enter</source>
        <translation>确定</translation>
    </message>
</context>
<context>
    <name>KeypadDialog</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <source>Enter an amount from {0} to {1}</source>
        <translation>请输入 {0} 至 {1} 之间的金额</translation>
    </message>
    <message>
        <source>Enter a number from {0} to {1}</source>
        <translation>请输入 {0} 至 {1} 之间的数字</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Kiosk — cashier</source>
        <extracomment>A desktop window opens at the design size when the screen has room for it; it can shrink to this (a 1024×768 screen less a window frame and a task bar). How many recent receipts&apos; print jobs the window remembers (a paid screen can show one that began earlier). Emitted once, after the first paint. The core is attached and the sale page is usable. The window is shutting down and stops the core next: screens over it stop their workers now. The newest print-job change of the latest receipts, for a paid screen shown after they began.</extracomment>
        <translation>Kiosk 收银台</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>正在启动…</translation>
    </message>
    <message>
        <source>Today&apos;s orders</source>
        <translation>今日订单</translation>
    </message>
    <message>
        <source>Manager</source>
        <translation>店长</translation>
    </message>
    <message>
        <source>Exit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Training mode</source>
        <translation>培训模式</translation>
    </message>
    <message>
        <source>Practise: no paper</source>
        <translation>练习：缺纸</translation>
    </message>
    <message>
        <source>Charging is off: the payment server does not accept this kiosk</source>
        <translation>暂停收款：收款服务器不接受本收银机</translation>
    </message>
    <message>
        <source>Charge failed: {0}</source>
        <translation>收款失败：{0}</translation>
    </message>
    <message>
        <source>This shop accepts WeChat Pay only</source>
        <translation>本店仅支持微信支付</translation>
    </message>
    <message>
        <source>A payment is under way: wait for it, or cancel it first</source>
        <translation>已有一笔付款正在进行：请等待，或先取消</translation>
    </message>
    <message>
        <source>Add the items to the cart before scanning the customer&apos;s payment code</source>
        <translation>请先把商品加入购物车，再扫顾客的付款码</translation>
    </message>
    <message>
        <source>Payment cancelled: order {0}</source>
        <translation>已取消收款：订单 {0}</translation>
    </message>
    <message>
        <source>Receipt of order {0} sent to the printer</source>
        <translation>订单 {0} 的收据已发送到打印机</translation>
    </message>
    <message>
        <source>Waiting for the printer (see above)</source>
        <translation>正在等待打印机（见上方提示）</translation>
    </message>
    <message>
        <source>Paid: order {0}</source>
        <translation>已付款：订单 {0}</translation>
    </message>
    <message>
        <source>Paid after cancel: order {0}, {1} — {2}.</source>
        <translation>取消后顾客仍付了款：订单 {0}，{1}——{2}。</translation>
    </message>
    <message>
        <source>These goods were in the cart; it is cleared. Hand them to the customer.</source>
        <translation>这些商品还在购物车里，购物车已清空。请把商品交给顾客。</translation>
    </message>
    <message>
        <source>The cart holds some of these goods: do not charge them again. Hand over the paid goods, or the manager refunds the order.</source>
        <translation>购物车里有这笔订单的商品：不要再收一次款。请把已付款的商品交给顾客，或请店长退款。</translation>
    </message>
    <message>
        <source>Hand the goods to the customer, or the manager refunds the order.</source>
        <translation>请把商品交给顾客，或请店长退款。</translation>
    </message>
    <message>
        <source>Order {0} for the same goods is cancelled, so nobody pays twice.</source>
        <translation>同样商品的订单 {0} 已取消，顾客不会付两次款。</translation>
    </message>
    <message>
        <source>Sound does not work on this computer: payments are not announced</source>
        <translation>本机无法播放声音：收款不会语音播报</translation>
    </message>
    <message>
        <source>Trying the printer again…</source>
        <translation>正在重试打印机…</translation>
    </message>
    <message>
        <source>Could not skip it: {0}</source>
        <translation>无法跳过：{0}</translation>
    </message>
    <message>
        <source>Payment server: connecting…</source>
        <translation>收款服务器：正在连接…</translation>
    </message>
    <message>
        <source>Payment server: connected</source>
        <translation>收款服务器：已连接</translation>
    </message>
    <message>
        <source>Payment server: out of reach</source>
        <translation>收款服务器：连不上</translation>
    </message>
    <message>
        <source>Payment server: this kiosk is not accepted</source>
        <translation>收款服务器：不接受本收银机</translation>
    </message>
    <message>
        <source>That did not work: {0}</source>
        <translation>操作未完成：{0}</translation>
    </message>
    <message>
        <source>Cancel failed: {0}</source>
        <translation>取消失败：{0}</translation>
    </message>
    <message>
        <source>Re-query failed: {0}</source>
        <translation>查询失败：{0}</translation>
    </message>
    <message>
        <source>Simulated payment failed: {0}</source>
        <translation>模拟支付失败：{0}</translation>
    </message>
    <message>
        <source>QR slip sent to the printer</source>
        <translation>付款码小票已发送到打印机</translation>
    </message>
    <message>
        <source>Printing failed: {0}</source>
        <translation>打印失败：{0}</translation>
    </message>
    <message>
        <source>No item has the code or name “{0}”</source>
        <translation>没有条码、编号或名称为“{0}”的商品</translation>
    </message>
    <message>
        <source>Payment server: settings do not match</source>
        <translation>收款服务器：配置不符</translation>
    </message>
    <message>
        <source>Printer: none</source>
        <translation>打印机：未配置</translation>
    </message>
    <message>
        <source>Printer: {0}</source>
        <translation>打印机：{0}</translation>
    </message>
    <message>
        <source>Printer: printing…</source>
        <translation>打印机：正在打印…</translation>
    </message>
    <message>
        <source>Printer: ready</source>
        <translation>打印机：就绪</translation>
    </message>
    <message>
        <source>Loading today&apos;s orders</source>
        <translation>读取今日订单</translation>
    </message>
    <message>
        <source>The kiosk could not start: {0}</source>
        <extracomment>Printed on stdout by --exit-after-start / --exit-after-sale for smoke tests and the start-up bench.</extracomment>
        <translation>收银台无法启动：{0}</translation>
    </message>
</context>
<context>
    <name>OrdersView</name>
    <message>
        <source>Today&apos;s orders</source>
        <translation>今日订单</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>订单号</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>商品</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Paid by</source>
        <translation>支付方式</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Reprint QR slip</source>
        <translation>重印付款码小票</translation>
    </message>
    <message>
        <source>Reprint receipt</source>
        <translation>重印收据</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <source>Tap an order to see it in full</source>
        <translation>点一笔订单查看完整信息</translation>
    </message>
    <message>
        <source>Order number: {0}</source>
        <translation>订单号：{0}</translation>
    </message>
    <message>
        <source>WeChat Pay transaction: {0}</source>
        <translation>微信支付单号：{0}</translation>
    </message>
    <message>
        <source>Paid at {0}</source>
        <translation>付款时间：{0}</translation>
    </message>
</context>
<context>
    <name>PaidView</name>
    <message>
        <source>Order {0}</source>
        <extracomment>The newest print job of this order&apos;s receipt, and what holds the printer up now. The clerk asked for a receipt (or it prints by itself): the screen follows the job.</extracomment>
        <translation>订单 {0}</translation>
    </message>
    <message>
        <source>New order</source>
        <translation>新订单</translation>
    </message>
    <message>
        <source>No receipt</source>
        <translation>不要收据</translation>
    </message>
    <message>
        <source>Reprint receipt</source>
        <translation>再打一张收据</translation>
    </message>
    <message>
        <source>Print receipt</source>
        <translation>打印收据</translation>
    </message>
    <message>
        <source>Does the customer want a receipt?</source>
        <translation>顾客要收据吗？</translation>
    </message>
    <message>
        <source>the printer is busy</source>
        <translation>打印机正忙</translation>
    </message>
    <message>
        <source>The receipt is waiting: {0}</source>
        <translation>收据等待打印：{0}</translation>
    </message>
    <message>
        <source>The receipt is printing</source>
        <translation>正在打印收据</translation>
    </message>
    <message>
        <source>The receipt is printed</source>
        <translation>收据已打印</translation>
    </message>
    <message>
        <source>No receipt printed</source>
        <translation>未打印收据</translation>
    </message>
</context>
<context>
    <name>PaymentView</name>
    <message>
        <source>Cancel payment</source>
        <extracomment>The payment server is known to be out of reach: an order being created waits for it.</extracomment>
        <translation>取消收款</translation>
    </message>
    <message>
        <source>Print QR slip</source>
        <translation>打印付款码</translation>
    </message>
    <message>
        <source>Re-query</source>
        <translation>重新查询</translation>
    </message>
    <message>
        <source>Simulate payment</source>
        <translation>模拟支付</translation>
    </message>
    <message>
        <source>Customer code</source>
        <translation>顾客付款码</translation>
    </message>
    <message>
        <source>Training: a customer shows a payment code</source>
        <translation>培训：顾客出示付款码</translation>
    </message>
    <message>
        <source>Pay by QR instead</source>
        <translation>改用扫码支付</translation>
    </message>
    <message>
        <source>Or scan the customer&apos;s payment code</source>
        <translation>或扫描顾客的付款码</translation>
    </message>
    <message>
        <source>Back to the order</source>
        <translation>返回订单</translation>
    </message>
    <message>
        <source>Ask the customer to scan with WeChat</source>
        <translation>请顾客用微信扫码</translation>
    </message>
    <message>
        <source>Order {0}</source>
        <translation>订单 {0}</translation>
    </message>
    <message>
        <source>Expires in {0}</source>
        <translation>剩余 {0}</translation>
    </message>
    <message>
        <source>Creating the order…</source>
        <translation>正在创建订单…</translation>
    </message>
    <message>
        <source>Waiting for the payment server…</source>
        <translation>正在等待收款服务器…</translation>
    </message>
    <message>
        <source>The payment server cannot be reached — retrying. You can cancel.</source>
        <translation>连不上收款服务器，正在重试。可以取消。</translation>
    </message>
    <message>
        <source>The payment server did not take this order — charge again</source>
        <translation>收款服务器未接受这笔订单，请重新收款</translation>
    </message>
    <message>
        <source>This QR code is no longer valid</source>
        <translation>此付款码已失效</translation>
    </message>
    <message>
        <source>Waiting for payment</source>
        <translation>等待支付</translation>
    </message>
    <message>
        <source>Customer is paying…</source>
        <translation>顾客正在支付…</translation>
    </message>
    <message>
        <source>Payment failed — the customer may try again</source>
        <translation>支付失败，顾客可重新支付</translation>
    </message>
</context>
<context>
    <name>PinDialog</name>
    <message>
        <source>Manager PIN</source>
        <translation>店长密码</translation>
    </message>
    <message>
        <source>Enter the manager PIN</source>
        <translation>请输入店长密码</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <source>Too many wrong PINs. Try again after {0}.</source>
        <translation>密码错误次数过多，请在 {0} 之后再试。</translation>
    </message>
    <message>
        <source>No manager PIN is set on this kiosk. Ask the shop owner to set one.</source>
        <translation>本机尚未设置店长密码，请联系店主设置。</translation>
    </message>
    <message>
        <source>Wrong PIN. Tries left: {0}</source>
        <translation>密码错误，还可尝试 {0} 次</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>PrinterBanner</name>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Skip this receipt</source>
        <translation>跳过此单</translation>
    </message>
    <message>
        <source>the {0} of order {1} is waiting</source>
        <translation>订单 {1} 的{0}等待打印</translation>
    </message>
    <message>
        <source>the {0} is waiting</source>
        <translation>{0}等待打印</translation>
    </message>
    <message>
        <source>{0} — {1}</source>
        <translation>{0}——{1}</translation>
    </message>
    <message>
        <source>Printer: {0}</source>
        <translation>打印机：{0}</translation>
    </message>
</context>
<context>
    <name>ReasonPicker</name>
    <message>
        <source>Customer returned the goods</source>
        <translation>顾客退货</translation>
    </message>
    <message>
        <source>Damaged or faulty goods</source>
        <translation>商品损坏或有质量问题</translation>
    </message>
    <message>
        <source>Charged the wrong amount</source>
        <translation>收款金额有误</translation>
    </message>
    <message>
        <source>Paid twice</source>
        <translation>重复付款</translation>
    </message>
    <message>
        <source>Out of stock</source>
        <translation>缺货</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>More details (optional)</source>
        <translation>补充说明（可不填）</translation>
    </message>
</context>
<context>
    <name>RelayBanner</name>
    <message>
        <source>Try again</source>
        <translation>重新连接</translation>
    </message>
    <message>
        <source>This kiosk&apos;s settings do not match the payment server&apos;s (since {0})</source>
        <translation>本收银机的配置与收款服务器不符（{0} 起）</translation>
    </message>
    <message>
        <source>The payment server does not accept this kiosk (since {0})</source>
        <translation>收款服务器不接受本收银机（{0} 起）</translation>
    </message>
    <message>
        <source>Charging is off. Ask the manager or the installer to check this kiosk&apos;s access settings.</source>
        <translation>暂时不能收款。请店长或安装人员检查本收银机的接入设置。</translation>
    </message>
    <message>
        <source>The payment server cannot be reached (since {0})</source>
        <translation>连不上收款服务器（{0} 起）</translation>
    </message>
    <message>
        <source>Check the network cable or Wi-Fi and the router. You can still charge: the QR code appears as soon as the payment server answers.</source>
        <translation>请检查网线或 Wi-Fi 和路由器。仍然可以收款：收款服务器一恢复，二维码就会出现。</translation>
    </message>
</context>
<context>
    <name>RepeatChargeDialog</name>
    <message>
        <source>These goods were just paid for</source>
        <translation>这些商品刚刚已付款</translation>
    </message>
    <message>
        <source>Order {0}, {1}, paid at {2}:</source>
        <translation>订单 {0}，{1}，{2} 已付款：</translation>
    </message>
    <message>
        <source>Is the customer buying the same again? If not, do not charge twice.</source>
        <translation>顾客是要再买一份吗？如果不是，请不要重复收款。</translation>
    </message>
    <message>
        <source>Clear the cart</source>
        <translation>清空购物车</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <source>Charge again</source>
        <translation>仍然收款</translation>
    </message>
</context>
<context>
    <name>SaleView</name>
    <message>
        <source>Scan, or search by name, pinyin or code</source>
        <extracomment>Typing pauses this long before the search runs: a scanner&apos;s burst of digits never flashes results. The last paid order (its receipt is one tap away) and what the payment server allows.</extracomment>
        <translation>扫码，或按名称、拼音、编号搜索</translation>
    </message>
    <message>
        <source>Clear the search</source>
        <translation>清除搜索</translation>
    </message>
    <message>
        <source>On-screen keys</source>
        <translation>屏幕键盘</translation>
    </message>
    <message>
        <source>Cart</source>
        <translation>购物车</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清空</translation>
    </message>
    <message>
        <source>Customer code</source>
        <translation>顾客付款码</translation>
    </message>
    <message>
        <source>Training: a customer shows a payment code</source>
        <translation>培训：顾客出示付款码</translation>
    </message>
    <message>
        <source>Charge</source>
        <translation>收款</translation>
    </message>
    <message>
        <source>Last receipt {0}</source>
        <translation>上一单收据 {0}</translation>
    </message>
    <message>
        <source>Charging is off (see above)</source>
        <translation>暂停收款（见上方提示）</translation>
    </message>
    <message>
        <source>A charge now waits for the payment server</source>
        <translation>现在收款要等收款服务器恢复</translation>
    </message>
    <message>
        <source>Scan the customer&apos;s payment code here; items go in the cart</source>
        <translation>这里只扫顾客的付款码；商品请加入购物车</translation>
    </message>
    <message>
        <source>Several items match — tap the one you want</source>
        <translation>找到多个商品，请点选需要的一个</translation>
    </message>
    <message>
        <source>Quantity (1 to {0})</source>
        <translation>数量（1 至 {0}）</translation>
    </message>
    <message>
        <source>At most {0} of one item per order</source>
        <translation>同一商品每单最多 {0} 件</translation>
    </message>
    <message>
        <source>Total {0}</source>
        <translation>合计 {0}</translation>
    </message>
    <message>
        <source>{0} items</source>
        <translation>共 {0} 件</translation>
    </message>
</context>
<context>
    <name>ScenarioPicker</name>
    <message>
        <source>Simulate a customer&apos;s payment code</source>
        <translation>模拟顾客出示付款码</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>SearchResults</name>
    <message>
        <source>Found {0} for “{1}” — tap one to add it</source>
        <translation>“{1}”找到 {0} 个商品，点选即可加入</translation>
    </message>
    <message>
        <source>Nothing found for “{0}”</source>
        <translation>没有找到“{0}”</translation>
    </message>
</context>
<context>
    <name>UndoBar</name>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>Cart cleared ({0} items)</source>
        <translation>已清空购物车（{0} 件）</translation>
    </message>
    <message>
        <source>Removed {0} × {1}</source>
        <translation>已删除 {0} × {1}</translation>
    </message>
</context>
<context>
    <name>Words</name>
    <message>
        <source>Not charged</source>
        <translation>未收款</translation>
    </message>
    <message>
        <source>Being created</source>
        <translation>正在创建</translation>
    </message>
    <message>
        <source>Waiting for the payment server</source>
        <translation>等待收款服务器</translation>
    </message>
    <message>
        <source>Awaiting payment</source>
        <translation>待付款</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>已付款</translation>
    </message>
    <message>
        <source>Paid after cancel</source>
        <translation>取消后已付款</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>已过期</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source> and {0} more</source>
        <translation> 等 {0} 种</translation>
    </message>
    <message>
        <source>the payment server cannot be reached</source>
        <translation>连不上收款服务器</translation>
    </message>
    <message>
        <source>the payment server turned the request down</source>
        <translation>收款服务器拒绝了这个请求</translation>
    </message>
    <message>
        <source>not possible for this order now</source>
        <translation>这笔订单现在不能这样操作</translation>
    </message>
    <message>
        <source>the cart cannot be charged as it is</source>
        <translation>购物车现在不能收款</translation>
    </message>
    <message>
        <source>the printer is not ready</source>
        <translation>打印机未就绪</translation>
    </message>
    <message>
        <source>the kiosk could not do it</source>
        <translation>收银机未能完成</translation>
    </message>
    <message>
        <source>something went wrong; the details are in the log</source>
        <translation>出了问题，详情已记入日志</translation>
    </message>
    <message>
        <source>The payment server refused order {0}. Charge again, or call the manager if it repeats.</source>
        <translation>收款服务器拒绝了订单 {0}。请重新收款；如再次出现，请联系店长。</translation>
    </message>
    <message>
        <source>The receipt of order {0} could not be sent to the printer; the kiosk keeps trying.</source>
        <translation>订单 {0} 的收据未能发送到打印机，收银机会继续重试。</translation>
    </message>
    <message>
        <source>The printer could not be set up: selling goes on without printing. Call the installer.</source>
        <translation>打印机未能设置好：可以继续收款，但不会打印。请联系安装人员。</translation>
    </message>
    <message>
        <source>Something went wrong with order {0}; the details are in the log.</source>
        <translation>订单 {0} 出了问题，详情已记入日志。</translation>
    </message>
    <message>
        <source>Something went wrong; the details are in the log.</source>
        <translation>出了问题，详情已记入日志。</translation>
    </message>
    <message>
        <source>Charging is off: this kiosk is set up as {0}, the payment server knows it as {1}. Ask the installer to make the kiosk&apos;s and the payment server&apos;s settings agree.</source>
        <translation>暂停收款：本机配置为 {0}，收款服务器认作 {1}。请联系安装人员核对本机与收款服务器的配置。</translation>
    </message>
    <message>
        <source>Not enough money on the customer&apos;s card</source>
        <translation>顾客的银行卡余额不足</translation>
    </message>
    <message>
        <source>The customer&apos;s bank declined the payment</source>
        <translation>顾客的银行拒绝了这笔付款</translation>
    </message>
    <message>
        <source>The payment code is invalid, expired or already used</source>
        <translation>付款码无效、已过期或已使用</translation>
    </message>
    <message>
        <source>The customer did not confirm the payment in time</source>
        <translation>顾客未及时确认付款</translation>
    </message>
    <message>
        <source>The payment was cancelled</source>
        <translation>付款已取消</translation>
    </message>
    <message>
        <source>Payment by payment code is not available for this shop now</source>
        <translation>本店暂时无法使用付款码收款</translation>
    </message>
    <message>
        <source>The payment code never reached WeChat Pay: nothing was charged</source>
        <translation>付款码未送达微信支付，未扣款</translation>
    </message>
    <message>
        <source>The payment did not go through</source>
        <translation>支付未成功</translation>
    </message>
    <message>
        <source>Ask the customer to switch to another card</source>
        <translation>请顾客换一张卡</translation>
    </message>
    <message>
        <source>Ask the customer to show the payment code again</source>
        <translation>请顾客重新出示付款码</translation>
    </message>
    <message>
        <source>Ask the customer to pay by scanning the QR code instead</source>
        <translation>请顾客改用扫码支付</translation>
    </message>
    <message>
        <source>Not enough money on your card</source>
        <translation>余额不足</translation>
    </message>
    <message>
        <source>Your bank declined the payment</source>
        <translation>银行未批准这笔付款</translation>
    </message>
    <message>
        <source>Your payment code is invalid, expired or already used</source>
        <translation>付款码无效、已过期或已使用</translation>
    </message>
    <message>
        <source>The payment was not confirmed in time</source>
        <translation>未在规定时间内确认付款</translation>
    </message>
    <message>
        <source>This shop cannot take payment codes right now</source>
        <translation>本店暂时无法使用付款码收款</translation>
    </message>
    <message>
        <source>Nothing was charged</source>
        <translation>未扣款</translation>
    </message>
    <message>
        <source>Please switch to another card and show your payment code again</source>
        <translation>请换一张卡，重新出示付款码</translation>
    </message>
    <message>
        <source>Please show your payment code again</source>
        <translation>请重新出示付款码</translation>
    </message>
    <message>
        <source>Please pay by scanning the QR code instead</source>
        <translation>请改用扫码支付</translation>
    </message>
    <message>
        <source>Payment code</source>
        <translation>付款码</translation>
    </message>
    <message>
        <source>QR code</source>
        <translation>扫码支付</translation>
    </message>
</context>
</TS>
